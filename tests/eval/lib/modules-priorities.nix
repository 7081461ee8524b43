let
  lib = import ./_lib;
  eval = modules: (lib.evalModules { modules = [ { options.v = lib.mkOption { type = lib.types.int; default = 1; }; } ] ++ modules; }).config.v;
in {
  onlyDefault = eval [ ];
  mkDefaultBeatsOptionDefault = eval [ { v = lib.mkDefault 2; } ];
  plainBeatsMkDefault = eval [ { v = lib.mkDefault 2; } { v = 3; } ];
  mkForceBeatsPlain = eval [ { v = 3; } { v = lib.mkForce 4; } { v = lib.mkDefault 2; } ];
  mkOverrideCustom = eval [ { v = lib.mkOverride 10 5; } { v = lib.mkForce 4; } ];
  equalPlainDefinitionsAgree = eval [ { v = 7; } { v = 7; } ];
  conflict = (builtins.tryEval (eval [ { v = 7; } { v = 8; } ])).success;
}
