builtins.partition (x: x) [ ]
