let a0 = 0; a1 = a0 + 1; a2 = a1 + 1; a3 = a2 + 1; a4 = a3 + 1; a5 = a4 + 1; a6 = a5 + 1; a7 = a6 + 1; a8 = a7 + 1; a9 = a8 + 1; in let b = a9 * 2; in let c = b + a9; in c
