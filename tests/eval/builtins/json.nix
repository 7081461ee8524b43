{
  to = builtins.toJSON {
    b = 1;
    a = "x\ny\t\"\\\r/é";
    list = [ null true false 0.5 1.5 (-3) "" ];
    nested.deep = { z = [ ]; y = { }; };
    drv = { type = "derivation"; outPath = "/some/out"; };
    str = { __toString = self: "via toString"; };
    out = { outPath = { outPath = "twice"; }; };
  };
  control = builtins.toJSON (builtins.fromJSON "\"\\u0001\\u001f\\u007f\"");
  from = builtins.fromJSON ''
    [1, -0, 1.0, 1e2, 1E-2, 0.5, -2.5e3, "\u00e9\ud83d\ude00\n\"", {"a": null, "a": 2, "b": [true, false]},
     18446744073709551615, 9223372036854775807, -9223372036854775808, 99999999999999999999]
  '';
  roundTrip = builtins.fromJSON (builtins.toJSON { x = [ 1 "two" { three = 3; } ]; });
}
