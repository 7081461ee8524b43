let
  lib = import ./_lib;
  mkPkg = name: version: deps: { inherit name version deps; id = "${name}-${version}"; closure = lib.unique (lib.flatten ([ "${name}-${version}" ] ++ map (d: d.closure) deps)); };
  pkgsFun = self:
    let callPackage = lib.callPackageWith (self // { inherit mkPkg; }); in {
      zlib = callPackage ({ mkPkg }: mkPkg "zlib" "1.3" [ ]) { };
      openssl = callPackage ({ mkPkg, zlib }: mkPkg "openssl" "3.0" [ zlib ]) { };
      curl = callPackage ({ mkPkg, openssl, zlib }: mkPkg "curl" "8.0" [ openssl zlib ]) { };
      git = callPackage ({ mkPkg, curl, zlib, withDocs ? false }: mkPkg "git" (if withDocs then "2.40-docs" else "2.40") [ curl zlib ]) { };
    };
  overlays = [
    (final: prev: { zlib = prev.zlib // { version = "1.3.1"; id = "zlib-1.3.1"; closure = [ "zlib-1.3.1" ]; }; })
    (final: prev: { gitFull = lib.callPackageWith (final // { inherit mkPkg; }) ({ mkPkg, curl, zlib, withDocs ? false }: mkPkg "git" (if withDocs then "2.40-docs" else "2.40") [ curl zlib ]) { withDocs = true; }; })
  ];
  pkgs = lib.fix (lib.extends (lib.composeManyExtensions overlays) pkgsFun);
in {
  git = pkgs.git.closure;
  gitFull = pkgs.gitFull.id;
  curlDeps = map (d: d.id) pkgs.curl.deps;
  names = builtins.attrNames pkgs;
}
