let
  lib = import ./_lib;
  users = lib.genAttrs (builtins.genList (i: "user${toString i}") 20) (name: { inherit name; uid = 1000 + builtins.stringLength name; });
  byUid = builtins.groupBy (u: toString u.uid) (builtins.attrValues users);
  renamed = lib.mapAttrs' (n: u: lib.nameValuePair u.name (u // { home = "/home/${u.name}"; })) users;
  homes = lib.mapAttrsToList (n: u: u.home) (lib.filterAttrs (n: u: u.uid > 1005) renamed);
in {
  count = builtins.length (builtins.attrNames users);
  groups = builtins.mapAttrs (uid: us: map (u: u.name) us) byUid;
  homes = builtins.sort builtins.lessThan homes;
  deep = builtins.mapAttrs (n: v: builtins.mapAttrs (k: x: if builtins.isInt x then x * 2 else x) v) (lib.filterAttrs (n: _: lib.hasSuffix "1" n) users);
}
