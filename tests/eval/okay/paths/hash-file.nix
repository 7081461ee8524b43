[ (builtins.hashFile "sha256" ./data/hello.txt) (builtins.hashFile "md5" ./data/hello.txt) ]
