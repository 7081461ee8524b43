let lib = import ./_lib; in (lib.evalModules { modules = [ ./_modules/top.nix ]; }).config
