with builtins;
let text = readFile ./_latin1.txt + substring 0 1 "Ã©"; in
[ (toFile "latin1" text) (toFile "raw" "aÿb") ]
