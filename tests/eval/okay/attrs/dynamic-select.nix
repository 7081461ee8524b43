let s = { foo = 1; bar = { baz = 2; }; }; k = "foo"; in [ s.${k} s.${"bar"}.baz s."${k}" s.bar.${"ba" + "z"} ]
