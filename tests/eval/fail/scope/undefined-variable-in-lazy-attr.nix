{ a = 1; b = missing; }.a
