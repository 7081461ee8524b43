builtins.concatMap (x: builtins.concatMap (y: [ "${x}${y}" ]) [ "1" "2" ]) [ "a" "b" ]
