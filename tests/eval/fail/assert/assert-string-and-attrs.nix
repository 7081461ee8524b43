assert { a = 1; b = "s"; } == { a = 1; }; 1
