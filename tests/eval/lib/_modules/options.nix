{ lib, ... }: with lib; {
  options.greeting = mkOption { type = types.str; };
  options.items = mkOption { type = types.listOf types.str; };
  options.level = mkOption { type = types.int; default = 1; };
  options.summary = mkOption { type = types.str; };
}
