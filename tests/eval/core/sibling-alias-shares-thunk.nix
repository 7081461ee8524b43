# A binding that is only a sibling's name shares that sibling's value, and `?` does not
# evaluate the attribute it finds.
let
  a = { x = throw "not evaluated"; y = 1; };
  b = a;
in
[ (b ? x) (rec { p = q; q = 2; }.p) (builtins.mapAttrs (n: v: throw n) a ? y) ]
