# toJSON: key order is bytewise, nesting, sets with outPath or __toString, strings.
{
  order = builtins.toJSON { b = 1; B = 2; "é" = 3; a = 4; "" = 5; "1" = 6; _ = 7; };
  nested = builtins.toJSON [ [ ] { } [ [ 1 ] ] { a.b.c = null; } ];
  numbers = builtins.toJSON [ 0 (-1) 9223372036854775807 (-9223372036854775807) 0.5 (-1.5) 1.0e300 ];
  outPath = builtins.toJSON { outPath = [ 1 2 ]; ignored = true; };
  toStringWins = builtins.toJSON { __toString = self: "s"; outPath = "o"; };
  toStringSelf = builtins.toJSON { __toString = self: self.v; v = "from self"; };
  derivationLike = builtins.toJSON [ { type = "derivation"; outPath = "/o"; drvPath = "/d"; } ];
  unicode = builtins.toJSON "→ ü 😀 \\ \" /";
  escapes = builtins.toJSON (builtins.fromJSON ''"\u0000x\u0007\u001b"'');
  bools = builtins.toJSON [ true false null ];
}
