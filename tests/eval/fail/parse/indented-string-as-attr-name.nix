{ ''key'' = 1; }.key
