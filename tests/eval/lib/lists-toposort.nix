let
  lib = import ./_lib;
  deps = { app = [ "lib" "utils" ]; lib = [ "core" ]; utils = [ "core" ]; core = [ ]; docs = [ "app" ]; };
  dependsOn = a: b: builtins.elem a deps.${b};
in {
  sorted = lib.toposort dependsOn [ "docs" "app" "utils" "lib" "core" ];
  cyclic = lib.toposort (a: b: true) [ "x" "y" ];
}
