{ config, lib, ... }:
let
  cfg = config.webserver;
  t = lib.types;
  renderHost = name: host: ''
    server {
      listen ${toString host.port};
      server_name ${name}${lib.concatMapStrings (a: " " + a) host.aliases};
      root ${host.root};
    ${lib.indentLines "  " (lib.concatMapStringsSep "\n" (l: "location ${l.path} { ${l.body} }") host.locations)}
    }
  '';
in {
  options.webserver = {
    enable = lib.mkEnableOption "the web server";
    workers = lib.mkOption { type = t.int; default = 2; };
    virtualHosts = lib.mkOption {
      default = { };
      type = t.attrsOf (t.submodule ({ name, ... }: {
        options = {
          port = lib.mkOption { type = t.port; default = 80; };
          aliases = lib.mkOption { type = t.listOf t.str; default = [ ]; };
          root = lib.mkOption { type = t.str; default = "/var/www/${name}"; };
          locations = lib.mkOption {
            default = [ ];
            type = t.listOf (t.submodule {
              options.path = lib.mkOption { type = t.str; };
              options.body = lib.mkOption { type = t.str; default = "return 404;"; };
            });
          };
        };
      }));
    };
    configFile = lib.mkOption { type = t.lines; };
  };
  config = lib.mkIf cfg.enable {
    webserver.configFile = lib.mkMerge [
      (lib.mkBefore "worker_processes ${toString cfg.workers};")
      (lib.concatStrings (lib.mapAttrsToList renderHost cfg.virtualHosts))
    ];
  };
}
