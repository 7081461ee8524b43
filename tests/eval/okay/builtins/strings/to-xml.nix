builtins.toXML { a = 1; b = [ "s" true null ]; c = 1.5; }
