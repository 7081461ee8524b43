# Option types: what a definition may be (`check`) and how several become one (`merge`).
let
  P = import ./properties.nix;
  L = import ./lists.nix;
  inherit (builtins) all isInt isFloat isString isBool isList isAttrs isFunction head elem mapAttrs
    zipAttrsWith concatStringsSep concatMap foldl' filter listToAttrs attrNames;
  showLoc = loc: concatStringsSep "." loc;

  mergeEqual = loc: defs:
    let first = head defs; in
    if all (d: d.value == first.value) defs then first.value
    else throw "The option `${showLoc loc}' has conflicting definition values.";

  mkType = { name, description ? name, check, merge ? mergeEqual }:
    { _type = "type"; inherit name description check merge; };
in
rec {
  inherit mkType mergeEqual;

  anything = mkType {
    name = "anything";
    check = _: true;
    merge = loc: defs:
      if all (d: isAttrs d.value) defs then foldl' (acc: d: acc // d.value) { } defs
      else mergeEqual loc defs;
  };
  int = mkType { name = "int"; description = "signed integer"; check = isInt; };
  float = mkType { name = "float"; description = "floating point number"; check = isFloat; };
  str = mkType { name = "str"; description = "string"; check = isString; };
  bool = mkType { name = "bool"; description = "boolean"; check = isBool; };
  port = mkType {
    name = "port";
    description = "16 bit unsigned integer";
    check = x: isInt x && x >= 0 && x <= 65535;
  };
  lines = mkType {
    name = "lines";
    description = "strings concatenated with \"\\n\"";
    check = isString;
    merge = loc: defs: concatStringsSep "\n" (map (d: d.value) defs);
  };
  enum = values: mkType {
    name = "enum";
    description = "one of ${concatStringsSep ", " (map (v: ''"${toString v}"'') values)}";
    check = v: elem v values;
  };
  nullOr = t: mkType {
    name = "nullOr";
    description = "null or ${t.description}";
    check = v: v == null || t.check v;
    merge = loc: defs:
      let nonNull = filter (d: d.value != null) defs; in
      if nonNull == [ ] then null
      else if builtins.length nonNull == builtins.length defs then t.merge loc defs
      else throw "The option `${showLoc loc}' is defined both null and not null.";
  };
  either = a: b: mkType {
    name = "either";
    description = "${a.description} or ${b.description}";
    check = x: a.check x || b.check x;
    merge = loc: defs:
      if all (d: a.check d.value) defs then a.merge loc defs
      else if all (d: b.check d.value) defs then b.merge loc defs
      else mergeEqual loc defs;
  };
  listOf = t: mkType {
    name = "listOf";
    description = "list of ${t.description}";
    check = isList;
    merge = loc: defs:
      L.imap1 (i: d: (P.mergeDefinitions (loc ++ [ "[${toString i}]" ]) t [ d ]).mergedValue)
        (concatMap (d: map (v: { inherit (d) file; value = v; }) d.value) defs);
  };
  attrsOf = t: mkType {
    name = "attrsOf";
    description = "attribute set of ${t.description}";
    check = isAttrs;
    merge = loc: defs:
      let
        byName = zipAttrsWith (n: vs: vs) (map (d: mapAttrs (n: v: { inherit (d) file; value = v; }) d.value) defs);
        merged = mapAttrs (n: ds: P.mergeDefinitions (loc ++ [ n ]) t ds) byName;
      in
      listToAttrs (concatMap (n: if merged.${n}.isDefined then [ { name = n; value = merged.${n}.mergedValue; } ] else [ ]) (attrNames merged));
  };
  submodule = modules: mkType {
    name = "submodule";
    description = "submodule";
    check = x: isAttrs x || isFunction x;
    merge = loc: defs:
      ((import ./modules.nix).evalModules {
        modules = (if isList modules then modules else [ modules ])
          ++ map (d: { _file = d.file; imports = [ d.value ]; }) defs;
        prefix = loc;
        specialArgs = { name = L.last loc; };
      }).config;
  };
}
