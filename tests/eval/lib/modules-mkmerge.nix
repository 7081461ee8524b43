let
  lib = import ./_lib;
  cfg = (lib.evalModules {
    modules = [
      { options.packages = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
        options.env = lib.mkOption { type = lib.types.attrsOf lib.types.str; default = { }; }; }
      ({ lib, ... }: lib.mkMerge [
        { packages = [ "git" ]; }
        (lib.mkIf true { packages = [ "vim" ]; env.EDITOR = "vim"; })
        (lib.mkIf false { packages = [ "emacs" ]; env.EDITOR = "emacs"; })
        { env = lib.mkMerge [ { A = "1"; } { B = "2"; } ]; }
      ])
      { packages = lib.mkMerge [ [ "curl" ] (lib.mkIf true [ "jq" ]) ]; }
    ];
  }).config;
in cfg
