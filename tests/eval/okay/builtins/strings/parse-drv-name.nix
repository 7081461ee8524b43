with builtins; [ (parseDrvName "hello-2.10") (parseDrvName "nix-0.12pre12876") (parseDrvName "a-b-c") (parseDrvName "name") (parseDrvName "foo-bar-1.2-3") ]
