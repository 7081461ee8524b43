# Building blocks of `<denv>`: a Debian package becomes
#   fetchDeb   the `.deb`, a fixed-output derivation (SHA256 from the signed index)
#   unpackDeb  its data archive unpacked into its own store path (no maintainer scripts)
#   mkPackage  its closure merged into one tree, ELF interpreters, RPATHs, shebangs and
#              absolute symlinks pointed into that tree; the programs it offers named
#              in `nix-support/programs` for profiles
rec {
  # deb: { storeName, url, sha256, … } as served in a package file's `debs`.
  fetchDeb =
    deb:
    derivation {
      name = "${deb.storeName}.deb";
      builder = "builtin:fetchurl";
      system = "builtin";
      inherit (deb) url;
      # The index's size: checked while the bytes arrive, and the progress display's total.
      size = toString deb.size;
      outputHashMode = "flat";
      outputHashAlgo = "sha256";
      outputHash = deb.sha256;
      preferLocalBuild = true;
    };

  unpackDeb =
    deb:
    derivation {
      name = "${deb.storeName}-unpacked";
      builder = "builtin:unpack-deb";
      system = "builtin";
      deb = fetchDeb deb;
      preferLocalBuild = true;
    };

  # info: a package file's value: { pname, version, storeName, debs }.
  mkPackage =
    info:
    let
      # The `.deb`s whose programs `bin/` offers (the package and its direct,
      # non-Essential dependencies); a package file without the marks offers them all.
      exposed = builtins.filter (deb: deb.exposed or false) info.debs;
    in
    derivation (
      {
        name = info.storeName;
        builder = "builtin:relocate";
        system = "builtin";
        # Selects the package's entry in denv's overrides table; `relocation` names the
        # revision of the relocation code and of that entry, so a change to either makes
        # a new tree.
        inherit (info) pname relocation;
        closure = map unpackDeb info.debs;
        preferLocalBuild = true;
      }
      // (if exposed == [ ] then { } else { exposed = map unpackDeb exposed; })
    )
    // {
      # What the package was resolved to: { pname, version, suite, url, sha256, … } each.
      inherit (info) pname version debs;
    };
}
