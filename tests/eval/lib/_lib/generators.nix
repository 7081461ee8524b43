# Rendering Nix values as configuration-file text.
let
  S = import ./strings.nix;
  A = import ./attrsets.nix;
  inherit (builtins) isAttrs isList isString isInt isFloat isBool isFunction isPath concatStringsSep attrNames toJSON typeOf;
in
rec {
  mkValueString = v:
    if isBool v then (if v then "true" else "false")
    else if isInt v then toString v
    else if isFloat v then toJSON v
    else if isString v then v
    else if v == null then "null"
    else throw "mkValueString: cannot render a ${typeOf v}";

  toKeyValue = { sep ? "=" }: attrs:
    S.concatStrings (A.mapAttrsToList (k: v: "${k}${sep}${mkValueString v}\n") attrs);

  toINI = sections:
    concatStringsSep "\n" (A.mapAttrsToList (name: kv: "[${name}]\n" + toKeyValue { } kv) sections);

  toShellVars = attrs:
    S.concatStrings (A.mapAttrsToList (k: v: "export ${k}=${S.escapeShellArg (mkValueString v)}\n") attrs);

  # A readable, multi-line rendering of any value (functions as <function>).
  toPretty = indent: v:
    let next = indent + "  "; in
    if isAttrs v then
      if v == { } then "{ }"
      else "{\n" + S.concatStrings (map (k: "${next}${k} = ${toPretty next v.${k}};\n") (attrNames v)) + indent + "}"
    else if isList v then
      if v == [ ] then "[ ]"
      else "[\n" + S.concatStrings (map (x: "${next}${toPretty next x}\n") v) + indent + "]"
    else if isString v then toJSON v
    else if isFunction v then "<function>"
    else mkValueString v;
}
