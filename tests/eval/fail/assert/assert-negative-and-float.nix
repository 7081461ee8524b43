assert -1 > 2.5 * 3; 1
