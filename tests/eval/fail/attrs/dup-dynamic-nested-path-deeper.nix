let k = "dyn"; in { a.${k}.b = 1; a.${k}.c = 2; a.other = 3; }
