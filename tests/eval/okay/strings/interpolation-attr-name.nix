let x = "k"; in { "${x}1" = 1; "pre-${x}-post" = 2; }
