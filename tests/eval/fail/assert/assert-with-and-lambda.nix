assert with { t = false; }; t; 1
