let
  lib = import ./_lib;
in (lib.evalModules {
  modules = [
    { options.env = lib.mkOption { type = lib.types.attrsOf lib.types.str; default = { }; };
      options.limits = lib.mkOption { type = lib.types.attrsOf lib.types.int; default = { nofile = 1024; }; }; }
    { env.PATH = "/bin"; env.HOME = "/root"; }
    { env.LANG = "C.UTF-8"; env.HOME = lib.mkForce "/home/me"; }
    { env.EMPTY = lib.mkIf false "never"; limits.nproc = 64; }
  ];
}).config
