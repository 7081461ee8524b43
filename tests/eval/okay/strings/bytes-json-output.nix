[ (builtins.readFile ./_latin1.txt) (builtins.substring 0 1 "é") ]
