let
  lib = import ./_lib;
  cfg = (lib.evalModules { modules = [ ./_modules/webserver.nix ./_modules/site-a.nix ./_modules/site-b.nix ]; }).config;
in cfg.webserver.configFile
