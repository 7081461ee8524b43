# Fixed points and overlays: how package sets are made extensible.
rec {
  fix = f: let x = f x; in x;

  # An overlay is `final: prev: { ... }`; `extends` applies one to a function of `final`.
  extends = overlay: f: final: let prev = f final; in prev // overlay final prev;

  composeExtensions = a: b: final: prev:
    let fromA = a final prev; in fromA // b final (prev // fromA);

  composeManyExtensions = builtins.foldl' composeExtensions (final: prev: { });

  makeExtensible = rattrs:
    let self = rattrs self // { extend = overlay: makeExtensible (extends overlay rattrs); }; in
    self;

  # Calls `f` with the attributes of `scope` it asks for, overridden by `overrides`.
  callPackageWith = scope: f: overrides:
    let fn = if builtins.isFunction f then f else import f; in
    fn (builtins.intersectAttrs (builtins.functionArgs fn) scope // overrides);
}
