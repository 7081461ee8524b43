./some/file.txt
