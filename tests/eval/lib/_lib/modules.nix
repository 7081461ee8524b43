# A module system in the NixOS style: modules declare options and define config; the
# result is the fixed point `config`, which every module receives as an argument.
#
#   modules ─collect (imports)─► normalised modules ─► option tree + definitions ─► config
let
  P = import ./properties.nix;
  types = import ./types.nix;
  inherit (builtins) isFunction isAttrs isPath isString concatMap attrNames filter head elem
    mapAttrs foldl' removeAttrs concatStringsSep;
  showLoc = loc: concatStringsSep "." loc;
  isOption = v: isAttrs v && v._type or null == "option";
  unique = foldl' (acc: e: if elem e acc then acc else acc ++ [ e ]) [ ];
in
P // rec {
  inherit types;

  mkOption = { type ? types.anything, description ? "", apply ? (x: x), ... }@args:
    { _type = "option"; inherit type description apply; }
    // (if args ? default then { inherit (args) default; } else { });

  mkEnableOption = name: mkOption {
    type = types.bool;
    default = false;
    description = "Whether to enable ${name}.";
  };

  # A module is a path, a function of the module arguments, or an attribute set with
  # `imports`, `options` and `config` (or only config, the shorthand).
  loadModule = args: parentFile: m:
    if isPath m || isString m then loadModule args (toString m) (import m)
    else if isFunction m then loadModule args parentFile (m args)
    else
      let file = m._file or parentFile; in
      {
        inherit file;
        imports = m.imports or [ ];
        options = m.options or { };
        config =
          if m ? options || m ? config then m.config or { }
          else removeAttrs m [ "imports" "_file" ];
      };

  # Depth-first through `imports`; a file imported twice counts once.
  collectModules = args: modules:
    let
      go = state: parentFile: ms: foldl'
        (s: m:
          let key = if isPath m || isString m then toString m else null; in
          if key != null && elem key s.seen then s
          else
            let
              n = loadModule args parentFile m;
              s' = s // {
                seen = s.seen ++ (if key == null then [ ] else [ key ]);
                mods = s.mods ++ [ n ];
              };
            in
            go s' n.file n.imports)
        state
        ms;
    in
    (go { seen = [ ]; mods = [ ]; } "<unknown-file>" modules).mods;

  mergeDecls = loc: a: b: a // mapAttrs
    (n: v:
      if a ? ${n} then
        (if isOption v || isOption a.${n}
         then throw "The option `${showLoc (loc ++ [ n ])}' is declared more than once."
         else mergeDecls (loc ++ [ n ]) a.${n} v)
      else v)
    b;

  # mkIf / mkMerge / overrides around an attribute set are pushed onto its attributes.
  pushDown = v:
    let t = v._type or null; in
    if t == "merge" then concatMap pushDown v.contents
    else if t == "if" then map (mapAttrs (n: x: P.mkIf v.condition x)) (pushDown v.content)
    else if t == "override" then map (mapAttrs (n: x: P.mkOverride v.priority x)) (pushDown v.content)
    else if isAttrs v then [ v ]
    else throw "A definition is not an attribute set where one was expected.";

  evalNode = loc: decl: defs:
    if isOption decl then evalOption loc decl defs
    else
      let
        pushed = concatMap (d: map (v: { inherit (d) file; value = v; }) (pushDown d.value)) defs;
        defined = unique (concatMap (d: attrNames d.value) pushed);
        undeclared = filter (n: !(decl ? ${n})) defined;
        sub = n: concatMap (d: if d.value ? ${n} then [ { inherit (d) file; value = d.value.${n}; } ] else [ ]) pushed;
      in
      if undeclared != [ ] then throw "The option `${showLoc (loc ++ [ (head undeclared) ])}' does not exist."
      else mapAttrs (n: d: evalNode (loc ++ [ n ]) d (sub n)) decl;

  evalOption = loc: opt: defs:
    let
      withDefault = defs ++ (if opt ? default then [ { file = "<default>"; value = P.mkOptionDefault opt.default; } ] else [ ]);
      res = P.mergeDefinitions loc opt.type withDefault;
    in
    if res.isDefined then opt.apply res.mergedValue
    else throw "The option `${showLoc loc}' is used but not defined.";

  evalModules = { modules, specialArgs ? { }, prefix ? [ ] }:
    let
      lib = import ./default.nix;
      args = specialArgs // { inherit config options lib; };
      mods = collectModules args modules;
      options = foldl' (acc: m: mergeDecls prefix acc m.options) { } mods;
      config = evalNode prefix options (map (m: { inherit (m) file; value = m.config; }) mods);
    in
    { inherit config options; };
}
