[ "quote\"" "back\\" "nl\n" "tab\t" "cr\r" "uni é" "ctl ${builtins.fromJSON ''"\u0001"''}" "/" ]
