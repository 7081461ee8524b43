# A small library in the style of the big Nix libraries: each file owns one topic and the
# whole set is reachable as one attribute set, like `lib` is in practice.
let
  trivial = import ./trivial.nix;
  lists = import ./lists.nix;
  strings = import ./strings.nix;
  attrsets = import ./attrsets.nix;
  fixedPoints = import ./fixed-points.nix;
  types = import ./types.nix;
  properties = import ./properties.nix;
  generators = import ./generators.nix;
  customisation = import ./customisation.nix;
  modules = import ./modules.nix;
in
trivial // lists // strings // attrsets // fixedPoints // modules // {
  inherit trivial lists strings attrsets fixedPoints types properties modules generators customisation;
}
