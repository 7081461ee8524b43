builtins.toXML [ { a = [ 1 ]; } null "s<>&" ]
