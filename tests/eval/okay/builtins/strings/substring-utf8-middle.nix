builtins.substring 1 3 "aéb"
