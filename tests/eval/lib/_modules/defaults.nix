{ config, lib, ... }: {
  items = [ "defaults" ];
  level = lib.mkDefault 5;
  summary = "${config.greeting} at level ${toString config.level} with ${toString (builtins.length config.items)} items";
}
