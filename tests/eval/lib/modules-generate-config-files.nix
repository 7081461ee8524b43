let
  lib = import ./_lib;
  t = lib.types;
  cfg = (lib.evalModules {
    modules = [
      ({ config, lib, ... }: {
        options.settings = lib.mkOption { type = t.attrsOf (t.attrsOf (t.either t.int (t.either t.str t.bool))); default = { }; };
        options.env = lib.mkOption { type = t.attrsOf t.str; default = { }; };
        options.files = lib.mkOption { type = t.attrsOf t.str; };
        config.files = {
          "app.ini" = lib.generators.toINI config.settings;
          "env.sh" = lib.generators.toShellVars config.env;
        };
      })
      { settings.server = { port = 80; host = "localhost"; }; env.MODE = "dev"; }
      ({ lib, ... }: { settings.server.port = lib.mkForce 8443; settings.tls.enable = true; env.MODE = lib.mkDefault "prod"; })
    ];
  }).config;
in cfg.files
