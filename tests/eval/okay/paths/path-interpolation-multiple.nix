let a = "data"; b = "hello.txt"; in ./${a}/${b}
