# Attribute set utilities.
let
  inherit (builtins) attrNames listToAttrs concatMap isAttrs mapAttrs head tail foldl' attrValues;
in
rec {
  nameValuePair = name: value: { inherit name value; };

  attrByPath = path: default: set:
    if path == [ ] then set
    else
      let h = head path; in
      if isAttrs set && set ? ${h} then attrByPath (tail path) default set.${h} else default;

  hasAttrByPath = path: set:
    path == [ ] || (isAttrs set && set ? ${head path} && hasAttrByPath (tail path) set.${head path});

  setAttrByPath = path: value:
    if path == [ ] then value else { ${head path} = setAttrByPath (tail path) value; };

  mapAttrsToList = f: set: map (n: f n set.${n}) (attrNames set);
  mapAttrs' = f: set: listToAttrs (mapAttrsToList f set);

  filterAttrs = pred: set:
    listToAttrs (concatMap (n: if pred n set.${n} then [ (nameValuePair n set.${n}) ] else [ ]) (attrNames set));

  genAttrs = names: f: listToAttrs (map (n: nameValuePair n (f n)) names);

  recursiveUpdate = lhs: rhs:
    lhs // mapAttrs
      (n: v: if isAttrs v && lhs ? ${n} && isAttrs lhs.${n} then recursiveUpdate lhs.${n} v else v)
      rhs;

  foldAttrs = op: nul: list:
    foldl' (acc: set: acc // mapAttrs (n: v: op v (acc.${n} or nul)) set) { } (builtins.genList (i: builtins.elemAt list (builtins.length list - 1 - i)) (builtins.length list));

  collect = pred: v:
    if pred v then [ v ]
    else if isAttrs v then concatMap (collect pred) (attrValues v)
    else [ ];

  mapAttrsRecursive = f: set:
    let
      go = path: s: mapAttrs (n: v: if isAttrs v then go (path ++ [ n ]) v else f (path ++ [ n ]) v) s;
    in
    go [ ] set;

  zipAttrs = builtins.zipAttrsWith (n: vs: vs);

  optionalAttrs = cond: set: if cond then set else { };

  attrsToList = set: mapAttrsToList nameValuePair set;

  cartesianProduct = spec:
    foldl' (acc: n: concatMap (partial: map (v: partial // { ${n} = v; }) spec.${n}) acc) [ { } ] (attrNames spec);
}
