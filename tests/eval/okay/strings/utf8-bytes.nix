with builtins; [ (substring 0 1 "é") (stringLength (substring 0 2 "é")) ]
