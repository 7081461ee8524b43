let
  lib = import ./_lib;
in (lib.evalModules {
  modules = [
    { options.path = lib.mkOption { type = lib.types.listOf lib.types.str; }; }
    { path = [ "middle1" ]; }
    { path = lib.mkAfter [ "last" ]; }
    { path = lib.mkBefore [ "first" ]; }
    { path = [ "middle2" ]; }
    { path = lib.mkOrder 1200 [ "late" ]; }
  ];
}).config.path
