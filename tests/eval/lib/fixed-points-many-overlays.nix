let
  lib = import ./_lib;
  base = self: builtins.listToAttrs (builtins.genList (i: { name = "p${toString i}"; value = if i == 0 then 1 else self."p${toString (i - 1)}" + 1; }) 200);
  overlays = builtins.genList (j: final: prev: { "p${toString (j * 10)}" = prev."p${toString (j * 10)}" + 100; }) 20;
  final = lib.fix (builtins.foldl' (f: o: lib.extends o f) base overlays);
in [ final.p0 final.p9 final.p10 final.p199 ]
