let
  lib = import ./_lib;
  r = lib.evalModules {
    specialArgs = { hostName = "box"; };
    modules = [
      ({ hostName, lib, ... }: {
        options.host = lib.mkOption { type = lib.types.str; description = "The host name."; apply = lib.toUpper; };
        options.fqdn = lib.mkOption { type = lib.types.str; };
        config.host = hostName;
      })
      ({ config, ... }: { fqdn = "${config.host}.example.org"; })
    ];
  };
in { inherit (r) config; description = r.options.host.description; typeName = r.options.fqdn.type.name; }
