builtins.groupBy (x: x) [ ]
