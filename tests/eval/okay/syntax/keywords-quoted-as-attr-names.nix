let s = { "if" = 1; "let" = 2; "rec" = 3; }; in [ s."if" s."let" s.${"rec"} ]
