with builtins; [ (stringLength "") (stringLength "abc") (stringLength "héllo") (stringLength "日本") ]
