builtins.fromJSON ''{ "a": 1, "b": [true, false, null], "c": -2.5e3, "d": "s\u00e9\n", "e": {}, "f": [], "g": 1.0 }''
