# The `<denv>` package set: `import <denv> { }` gives `{ pkgs, lib }`.
#
# Package data comes from files denv serves next to this one:
#   ./channels            one directory per declared channel (`default` is apt's list)
#   ./channels/C/NAME     NAME's resolved closure in channel C (a Nix attribute set)
#   ./suites/S/NAME       the same for an arbitrary suite S of the machine's archive
# Listing a channel directory costs one index load; a package is resolved only when its
# file is imported, and import's cache resolves each one once per evaluation.
{
  # Extra channels by name: `{ testing = "trixie"; }` gives `pkgs.testing.NAME`.
  channels ? { },
  # Reserved: a project's denv.lock is applied by lowering each pinned package to
  # `lib.mkPackage` with its pinned closure, not through this argument.
  lock ? null,
}:

let
  lib = import ./lib.nix;

  # Every package of a channel directory, each a thunk until used.
  packageSet =
    dir:
    builtins.mapAttrs (name: _: lib.mkPackage (import (dir + "/${name}"))) (builtins.readDir dir);

  declared = builtins.mapAttrs (name: _: packageSet (./channels + "/${name}")) (
    builtins.readDir ./channels
  );

  extra = builtins.mapAttrs (name: suite: packageSet (./suites + "/${suite}")) channels;
in
if lock != null then
  throw "denv: `lock` is not supported by this version of <denv>"
else
  {
    pkgs = packageSet (./channels + "/default") // declared // extra;
    inherit lib;
  }
