let lib = import ./_lib; t = lib.types; in (lib.evalModules {
  modules = [
    { options = {
        a = lib.mkOption { type = t.either t.int t.str; };
        b = lib.mkOption { type = t.nullOr t.str; default = null; };
        c = lib.mkOption { type = t.nullOr t.str; };
        d = lib.mkOption { type = t.enum [ "x" "y" ]; default = "x"; };
        e = lib.mkOption { type = t.anything; };
      }; }
    { a = "text"; c = "set"; d = "y"; e = { x = 1; }; }
    { e = { y = 2; }; }
  ];
}).config
