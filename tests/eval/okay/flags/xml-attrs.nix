{ a = 1; b = "s"; c = true; d = null; e = 1.5; }
