let
  lib = import ./_lib;
  g = lib.generators;
in {
  keyValue = g.toKeyValue { } { port = 8080; debug = false; name = "svc"; ratio = 0.5; };
  colon = g.toKeyValue { sep = ": "; } { a = 1; };
  ini = g.toINI { main = { user = "root"; verbose = true; }; "extra section" = { n = 1; }; };
  shell = g.toShellVars { GREETING = "it's me"; COUNT = 3; };
}
