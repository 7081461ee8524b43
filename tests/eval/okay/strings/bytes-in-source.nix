let
  s = "aÿbÃ";
  i = ''
    xéy
    ÿ${s}
  '';
in [ s i (builtins.stringLength s) (builtins.stringLength i) "${s}þ" (s + "Ã©") ("Ã" + "©" == "Ã©") ]
