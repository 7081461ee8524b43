let
  lib = import ./_lib;
  base = final: { greeting = "hello"; name = "world"; message = "${final.greeting}, ${final.name}"; trail = [ "base" ]; };
  overlays = [
    (final: prev: { name = "nix"; trail = prev.trail ++ [ "one" ]; })
    (final: prev: { greeting = prev.greeting + " there"; trail = prev.trail ++ [ "two" ]; })
    (final: prev: { shout = lib.toUpper final.message; trail = prev.trail ++ [ "three" ]; })
  ];
in lib.fix (lib.extends (lib.composeManyExtensions overlays) base)
