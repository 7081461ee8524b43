let k = "key"; n = 3; in { ${k} = 1; "${k}2" = 2; "lit${toString n}" = 3; ${"a" + "b"} = 4; }
