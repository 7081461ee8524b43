# Overridable results: `f args` that remembers how it was made, so callers can change the
# arguments (`override`) or the produced attributes (`overrideAttrs`) afterwards.
let
  F = import ./fixed-points.nix;
in
rec {
  makeOverridable = f: args:
    let
      result = f args;
      overrideWith = newArgs: makeOverridable f (args // (if builtins.isFunction newArgs then newArgs args else newArgs));
    in
    if builtins.isAttrs result then
      result // {
        override = overrideWith;
        overrideAttrs = g: makeOverridable (a: let r = f a; in r // g r) args;
      }
    else if builtins.isFunction result then
      { __functor = self: result; override = overrideWith; }
    else result;

  callPackageWith = scope: fn: extra:
    let f = if builtins.isFunction fn then fn else import fn; in
    makeOverridable f (builtins.intersectAttrs (builtins.functionArgs f) scope // extra);

  # A minimal derivation-shaped record, with no store involved.
  mkRecord = { pname, version, buildInputs ? [ ], flags ? [ ] }: {
    inherit pname version buildInputs flags;
    name = "${pname}-${version}";
    closure = [ "${pname}-${version}" ] ++ builtins.concatMap (d: d.closure) buildInputs;
  };
}
