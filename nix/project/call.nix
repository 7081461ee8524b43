# How denv calls a project's `denv.nix` (compiled into denv; the lowering applies it).
#
# `denv.nix` is an attribute set, or a function taking some of
#   { pkgs, lib, root, state }
# (only the arguments it names are passed, so `{ pkgs, ... }:` and `{ pkgs }:` both work).
# It may set `packages` (derivations, or names looked up in `pkgs`), `env`, `scripts` and
# `hooks` (`enter`, `exit`), as `denv.toml` does. The result is what the lowering needs:
# the packages to put into the profile, and the rest as JSON for denv to activate.
{
  denv,
  file,
  root,
}:

let
  # denv's small helper set for project files, over `<denv>`'s own `lib`.
  lib = denv.lib // {
    optional = cond: x: if cond then [ x ] else [ ];
    optionals = cond: xs: if cond then xs else [ ];
    optionalString = cond: s: if cond then s else "";
    optionalAttrs = cond: as: if cond then as else { };
    concatStringsSep = builtins.concatStringsSep;
    concatMapStringsSep = sep: f: xs: builtins.concatStringsSep sep (map f xs);
    makeSearchPath =
      sub: ps: builtins.concatStringsSep ":" (map (p: "${p}/${sub}") ps);
    makeBinPath = lib.makeSearchPath "bin";
    makeLibraryPath = lib.makeSearchPath "lib";
    mapAttrsToList = f: as: map (n: f n as.${n}) (builtins.attrNames as);
    getBin = p: "${p}/bin";
  };

  args = {
    inherit (denv) pkgs;
    inherit lib root;
    state = root + "/.denv/state";
  };

  imported = import file;

  project =
    if builtins.isFunction imported then
      let
        wanted = builtins.functionArgs imported;
      in
      imported (if wanted == { } then args else builtins.intersectAttrs wanted args)
    else
      imported;

  checked =
    if builtins.isAttrs project then
      project
    else
      throw "denv.nix must give an attribute set (or a function returning one), not a ${builtins.typeOf project}";

  package =
    p:
    if builtins.isString p then
      denv.pkgs.${p}
    else if builtins.isAttrs p && p ? outPath then
      p
    else
      throw "denv.nix: `packages` holds a ${builtins.typeOf p}; give derivations (pkgs.NAME) or package names";

  attrsOf =
    what: value:
    if builtins.isAttrs value then value else throw "denv.nix: `${what}` must be an attribute set";
in
{
  packages = map package (checked.packages or [ ]);

  activation = builtins.toJSON {
    keys = map (name: {
      inherit name;
      pos = builtins.unsafeGetAttrPos name checked;
    }) (builtins.attrNames checked);
    env = builtins.mapAttrs (_: toString) (attrsOf "env" (checked.env or { }));
    scripts = builtins.mapAttrs (_: toString) (attrsOf "scripts" (checked.scripts or { }));
    hooks = builtins.mapAttrs (_: toString) (attrsOf "hooks" (checked.hooks or { }));
  };
}
