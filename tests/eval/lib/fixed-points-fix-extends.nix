let
  lib = import ./_lib;
  base = self: { a = 1; b = self.a + 1; c = self.b * 10; };
  overlay = final: prev: { a = 5; d = prev.c + final.c; };
in {
  plain = lib.fix base;
  extended = lib.fix (lib.extends overlay base);
}
