with builtins; map (t: hashString t "The quick brown fox") [ "md5" "sha1" "sha256" "sha512" ]
