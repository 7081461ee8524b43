builtins.fromJSON ''{"k": ["\u00e9\u65e5", {"n": [[], {}]}], "esc": "\"\\\/\b\f\n\r\t"}''
