with builtins; map (v: [ (isAttrs v) (isList v) (isString v) (isInt v) (isFloat v) (isBool v) (isNull v) (isFunction v) (isPath v) ]) [ { } [ ] "" 1 1.0 true null (x: x) ./. ]
