let
  lib = import ./_lib;
  userModule = { name, config, lib, ... }: {
    options = {
      uid = lib.mkOption { type = lib.types.int; };
      home = lib.mkOption { type = lib.types.str; default = "/home/${name}"; };
      shell = lib.mkOption { type = lib.types.enum [ "bash" "zsh" "fish" ]; default = "bash"; };
      groups = lib.mkOption { type = lib.types.listOf lib.types.str; default = [ ]; };
      description = lib.mkOption { type = lib.types.str; default = "user ${name} (${toString config.uid})"; };
    };
  };
in (lib.evalModules {
  modules = [
    { options.users = lib.mkOption { type = lib.types.attrsOf (lib.types.submodule userModule); default = { }; }; }
    { users.alice = { uid = 1000; groups = [ "wheel" ]; }; }
    { users.alice.shell = "zsh"; users.alice.groups = [ "audio" ]; }
    { users.bob = { uid = 1001; home = "/srv/bob"; }; }
    ({ lib, ... }: { users.carol = lib.mkIf false { uid = 1002; }; })
  ];
}).config
