# String context through the string builtins (appendContext makes context without a store).
let
  p = "/nix/store/lfngsssysp6h1v4ccqg23c52s9sjl779-x";
  s = builtins.appendContext p { ${p} = { path = true; }; };
  q = "/nix/store/00000000000000000000000000000000-q";
  t = builtins.appendContext "T" { ${q} = { path = true; }; };
in {
  replaceSubject = builtins.getContext (builtins.replaceStrings [ "x" ] [ "y" ] s);
  replaceUsed = builtins.getContext (builtins.replaceStrings [ "a" ] [ t ] "abc");
  replaceUnused = builtins.getContext (builtins.replaceStrings [ "z" ] [ t ] "abc");
  substringEmpty = builtins.getContext (builtins.substring 0 0 s);
  substring = builtins.substring 0 10 s;
  sepOnly = builtins.getContext (builtins.concatStringsSep t [ ]);
  sepAndItems = builtins.getContext (builtins.concatStringsSep "," [ s t ]);
  splitNoContext = map builtins.getContext (builtins.filter builtins.isString (builtins.split "/" s));
  splitNoMatch = builtins.getContext (builtins.head (builtins.split "q" s));
  matchNoContext = map builtins.getContext (builtins.match "(.*)-(.*)" s);
  json = builtins.getContext (builtins.toJSON [ s t ]);
  xml = builtins.getContext (builtins.toXML [ s ]);
  hash = builtins.getContext (builtins.hashString "md5" s);
  length = builtins.stringLength s;
}
