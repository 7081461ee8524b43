[
  (builtins.substring 1 2 "hello")
  (builtins.substring 1 (-1) "hello")
  (builtins.substring 10 2 "hello")
  (builtins.substring 0 100 "hello")
  (builtins.substring 5 0 "hello")
  (builtins.substring 1 2 "héllo")
  (builtins.stringLength "héllo")
  (builtins.stringLength "")
  (builtins.stringLength { outPath = "ab"; })
  (builtins.concatStringsSep ", " [ "a" "b" "c" ])
  (builtins.concatStringsSep "-" [ ])
  (builtins.concatStringsSep "" [ "x" { outPath = "y"; } ])
]
