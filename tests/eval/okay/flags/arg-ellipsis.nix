{ ... }@args: builtins.attrNames args
