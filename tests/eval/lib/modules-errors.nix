let
  lib = import ./_lib;
  try = modules: let r = builtins.tryEval (builtins.deepSeq (lib.evalModules { inherit modules; }).config true); in r.success;
  decl = { options.n = lib.mkOption { type = lib.types.int; }; };
in {
  ok = try [ decl { n = 1; } ];
  wrongType = try [ decl { n = "one"; } ];
  undeclared = try [ decl { n = 1; m = 2; } ];
  usedButNotDefined = try [ decl ];
  conflicting = try [ decl { n = 1; } { n = 2; } ];
  declaredTwice = try [ decl decl { n = 1; } ];
  nullOrMixed = try [ { options.x = lib.mkOption { type = lib.types.nullOr lib.types.int; }; } { x = null; } { x = 1; } ];
}
