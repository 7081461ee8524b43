let s = {
  a = 1;
    b = 2;
}; in [ (builtins.unsafeGetAttrPos "b" s).line (builtins.unsafeGetAttrPos "b" s).column (builtins.unsafeGetAttrPos "missing" s) ]
