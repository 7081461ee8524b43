let
  lib = import ./_lib;
  mk = enable: (lib.evalModules {
    modules = [
      ({ lib, ... }: {
        options.service.enable = lib.mkEnableOption "service";
        options.service.port = lib.mkOption { type = lib.types.int; default = 8080; };
        options.firewall.allowed = lib.mkOption { type = lib.types.listOf lib.types.int; default = [ ]; };
        options.motd = lib.mkOption { type = lib.types.lines; default = "welcome"; };
      })
      ({ config, lib, ... }: {
        config = lib.mkIf config.service.enable {
          firewall.allowed = [ config.service.port ];
          motd = "service on ${toString config.service.port}";
        };
      })
      { service.enable = enable; service.port = 9000; }
    ];
  }).config;
in { on = mk true; off = mk false; }
