with builtins; [ (concatStringsSep ", " [ "a" "b" "c" ]) (concatStringsSep "" [ ]) (concatStringsSep "-" [ "one" ]) (concatStringsSep "/" [ "" "" ]) ]
