# A small, self-contained Nix program: a package set built as a fixed point with an
# overlay, the way nixpkgs is, then summarised. No store is needed to evaluate it:
#
#   cargo run --release -- eval --strict examples/nix/overlays.nix
#   cargo run --release -- eval --strict -A message examples/nix/overlays.nix

let
  greeting = "Hello";

  lib = rec {
    fix = f: let x = f x; in x;
    extends = overlay: f: self: let super = f self; in super // overlay self super;
    concatMapStringsSep = sep: f: list: builtins.concatStringsSep sep (map f list);
    versionAtLeast = a: b: builtins.compareVersions a b >= 0;
  };

  base = self: {
    mkPackage = { pname, version, deps ? [ ] }: {
      inherit pname version deps;
      name = "${pname}-${version}";
      closure = [ pname ] ++ builtins.concatMap (d: d.closure) deps;
    };
    libc = self.mkPackage { pname = "libc"; version = "2.36"; };
    zlib = self.mkPackage { pname = "zlib"; version = "1.2.13"; deps = [ self.libc ]; };
    hello = self.mkPackage { pname = "hello"; version = "2.12"; deps = [ self.libc ]; };
  };

  # An overlay bumps hello and makes it depend on zlib too.
  overlay = self: super: {
    hello = super.hello // self.mkPackage {
      pname = "hello";
      version = "2.12.1";
      deps = [ self.libc self.zlib ];
    };
  };

  pkgs = lib.fix (lib.extends overlay base);
  packages = [ pkgs.hello pkgs.zlib pkgs.libc ];
in
{
  message = "${greeting}, world! This is ${pkgs.hello.name}.";
  names = map (p: p.name) packages;
  closureOfHello = builtins.sort builtins.lessThan pkgs.hello.closure;
  recentHello = lib.versionAtLeast pkgs.hello.version "2.12";
  summary = lib.concatMapStringsSep ", " (p: "${p.pname} ${p.version}") packages;
}
