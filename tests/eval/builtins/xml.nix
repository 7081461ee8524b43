builtins.toXML rec {
  a = 1;
  b = "x<>&\"'\n\t";
  c = [ true null 1.5 "" ];
  d = x: x;
  e = { z, y ? 1 }: y;
  f = { x, ... }@args: x;
  g = { type = "derivation"; name = "n"; outPath = "/o"; drvPath = "/d"; };
  h = [ g g ];
  i = builtins.add;
  j = { };
  k = [ ];
  l = { type = "derivation"; outPath = "/no-drv"; };
}
