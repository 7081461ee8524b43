let
  lib = import ./_lib;
  result = lib.evalModules {
    modules = [
      ({ lib, ... }: with lib; {
        options = {
          name = mkOption { type = types.str; default = "unnamed"; };
          port = mkOption { type = types.port; default = 80; };
          enable = mkEnableOption "the service";
          tags = mkOption { type = types.listOf types.str; default = [ ]; };
        };
      })
      { config.name = "web"; config.tags = [ "a" ]; }
      { tags = [ "b" ]; enable = true; }
    ];
  };
in result.config
