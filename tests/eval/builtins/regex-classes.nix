# Which printable ASCII characters and whitespace each bracket class accepts.
let
  chars = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\t\n\r";
  each = builtins.genList (i: builtins.substring i 1 chars) (builtins.stringLength chars);
  accepted = re: builtins.concatStringsSep "" (builtins.filter (c: builtins.match re c != null) each);
in
builtins.listToAttrs (map (re: { name = re; value = accepted re; }) [
  "[[:alnum:]]" "[[:alpha:]]" "[[:blank:]]" "[[:cntrl:]]" "[[:digit:]]" "[[:graph:]]"
  "[[:lower:]]" "[[:print:]]" "[[:punct:]]" "[[:space:]]" "[[:upper:]]" "[[:xdigit:]]"
  "[[:w:]]" "[[:d:]]" "[[:s:]]" "[^[:alnum:]]" "[a-f[:digit:]]" "[]-]" "[^-a]"
  "[%--]" "[[.space.][.tilde.]]" "[[=b=]]" "." "[[]" "[a\\]"
])
