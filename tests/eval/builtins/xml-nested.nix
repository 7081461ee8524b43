builtins.toXML [
  [ (a: b: a) ({ ... }: 1) ({ a ? 1, ... }@x: x) ]
  { type = "derivation"; drvPath = ""; outPath = "/o"; }
  { type = "derivation"; drvPath = "/d1"; outPath = "/o1"; sub = { type = "derivation"; drvPath = "/d1"; }; }
  { type = "derivation"; drvPath = 1; outPath = 2; }
  { type = "notderivation"; drvPath = "/d"; }
  (builtins.substring 0)
  [ 1.0 0.1 1.0e-5 123456789.0 (-2.5) ]
  "${"$"}{interpolated} & <tags>"
  /some/path
]
