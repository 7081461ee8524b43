with builtins;
let
  b = substring 5 1 (readFile ./_latin1.txt);
  set = { "kÿ" = 1; "${b}x" = 2; plain = 3; } // listToAttrs [ { name = "l${b}"; value = 4; } ];
in {
  inherit set;
  names = attrNames set;
  has = [ (set ? "kÿ") (hasAttr "${b}x" set) (set ? "k") ];
  get = getAttr "l${b}" set;
  mapped = mapAttrs (n: v: n) set;
  json = toJSON set;
  grouped = attrNames (groupBy (x: x) [ b "a" ]);
  sel = set."kÿ";
}
