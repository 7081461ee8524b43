# Definition properties (mkIf, mkMerge, priorities, ordering) and how a list of definitions
# of one option becomes one value.
#
#   definitions ─discharge─► flat list ─filterOverrides─► best priority ─sortByOrder─► type.merge
let
  inherit (builtins) concatMap filter foldl' sort head concatStringsSep;
  showLoc = loc: concatStringsSep "." loc;
  typeOf = v: v._type or null;
in
rec {
  mkIf = condition: content: { _type = "if"; inherit condition content; };
  mkMerge = contents: { _type = "merge"; inherit contents; };
  mkOverride = priority: content: { _type = "override"; inherit priority content; };
  mkOptionDefault = mkOverride 1500;
  mkDefault = mkOverride 1000;
  mkForce = mkOverride 50;
  mkOrder = priority: content: { _type = "order"; inherit priority content; };
  mkBefore = mkOrder 500;
  mkAfter = mkOrder 1500;

  defaultPriority = 100;
  defaultOrder = 1000;

  # mkMerge and mkIf vanish; overrides and orders stay for the next steps.
  discharge = v:
    if typeOf v == "merge" then concatMap discharge v.contents
    else if typeOf v == "if" then
      (if v.condition == true then discharge v.content
       else if v.condition == false then [ ]
       else throw "mkIf called with a non-Boolean condition")
    else if typeOf v == "override" then map (mkOverride v.priority) (discharge v.content)
    else [ v ];

  # Only the definitions of the best (lowest) priority count.
  filterOverrides = defs:
    let
      prio = d: if typeOf d.value == "override" then d.value.priority else defaultPriority;
      best = foldl' (m: d: let p = prio d; in if p < m then p else m) 9999 defs;
      strip = d: if typeOf d.value == "override" then d // { value = d.value.content; } else d;
    in
    map strip (filter (d: prio d == best) defs);

  # mkBefore and mkAfter: a stable sort on the order priority.
  sortByOrder = defs:
    let
      ord = d: if typeOf d.value == "order" then d.value.priority else defaultOrder;
      strip = d: if typeOf d.value == "order" then d // { value = d.value.content; } else d;
    in
    map strip (sort (a: b: ord a < ord b) defs);

  mergeDefinitions = loc: type: defs:
    let
      discharged = concatMap (d: map (v: { inherit (d) file; value = v; }) (discharge d.value)) defs;
      final = sortByOrder (filterOverrides discharged);
      bad = filter (d: !(type.check d.value)) final;
    in
    {
      isDefined = final != [ ];
      mergedValue =
        if bad != [ ] then
          throw "A definition for option `${showLoc loc}' is not of type `${type.description}'. Definition values in ${(head bad).file}."
        else type.merge loc final;
    };
}
