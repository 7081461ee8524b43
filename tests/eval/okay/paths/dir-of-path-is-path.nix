dirOf ./data/hello.txt
