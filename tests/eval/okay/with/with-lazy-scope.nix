let s = with (throw "never"); 1; in s
