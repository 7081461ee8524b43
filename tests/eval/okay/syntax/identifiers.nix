let a-b = 1; a_b = 2; a' = 3; _x = 4; x1 = 5; A = 6; in [ a-b a_b a' _x x1 A ]
