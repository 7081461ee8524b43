with builtins; [ (match "a(.*)c" "abbbc") (match "[0-9]+" "123") (match "[0-9]+" "12a") (match "(a)?(b)" "b") (match "(.*)\\.(.*)" "file.tar.gz") (match "" "") ]
