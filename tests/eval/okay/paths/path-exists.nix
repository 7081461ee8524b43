with builtins; [ (pathExists ./data/hello.txt) (pathExists ./data/missing) (pathExists ./data) (pathExists (./data + "/hello.txt")) ]
