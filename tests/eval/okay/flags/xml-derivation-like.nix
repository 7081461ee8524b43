{ x = { type = "derivation"; name = "n"; outPath = "/o"; drvPath = "/d.drv"; }; }
