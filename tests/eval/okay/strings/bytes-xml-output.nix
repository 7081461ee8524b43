{ a = builtins.readFile ./_latin1.txt; }
