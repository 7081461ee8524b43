let
  lib = import ./_lib;
  c = lib.customisation;
  pkgs = lib.fix (self:
    let callPackage = c.callPackageWith (self // { inherit (c) mkRecord; }); in {
      zlib = callPackage ({ mkRecord }: mkRecord { pname = "zlib"; version = "1.3"; }) { };
      openssl = callPackage ({ mkRecord, zlib, withZlib ? true }: mkRecord {
        pname = "openssl"; version = "3.0";
        buildInputs = lib.optional withZlib zlib;
        flags = [ (if withZlib then "zlib" else "no-zlib") ];
      }) { };
      curl = callPackage ({ mkRecord, openssl, zlib }: mkRecord { pname = "curl"; version = "8.4"; buildInputs = [ openssl zlib ]; }) { };
    });
  opensslNoZlib = pkgs.openssl.override { withZlib = false; };
  curlCustom = pkgs.curl.override (old: { openssl = old.openssl.override { withZlib = false; }; });
  curlPatched = pkgs.curl.overrideAttrs (old: { version = "8.4-patched"; name = "${old.pname}-8.4-patched"; });
in {
  default = { inherit (pkgs.curl) name closure; };
  opensslNoZlib = { inherit (opensslNoZlib) name flags closure; };
  curlCustom = curlCustom.closure;
  curlPatched = { inherit (curlPatched) name version; stillOverridable = curlPatched ? override; };
  chained = (opensslNoZlib.override { withZlib = true; }).flags;
}
