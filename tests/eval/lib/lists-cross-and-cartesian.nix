let lib = import ./_lib; in {
  cross = lib.crossLists (a: b: "${a}${toString b}") [ [ "x" "y" ] [ 1 2 3 ] ];
  product = lib.cartesianProduct { os = [ "linux" "darwin" ]; arch = [ "x86_64" "aarch64" ]; };
}
