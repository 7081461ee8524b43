let
  lib = import ./_lib;
  set = lib.makeExtensible (self: { x = 1; y = self.x + 1; });
  set2 = set.extend (final: prev: { x = 10; z = final.y * 2; });
  set3 = set2.extend (final: prev: { y = prev.y + 100; });
in [ (removeAttrs set [ "extend" ]) (removeAttrs set2 [ "extend" ]) (removeAttrs set3 [ "extend" ]) ]
