{ lib, ... }: {
  imports = [ ./options.nix ./defaults.nix ./defaults.nix ];
  config.greeting = "hello from top";
  config.items = [ "top" ];
}
