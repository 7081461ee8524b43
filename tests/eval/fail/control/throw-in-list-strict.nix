[ 1 (throw "element thrown when printed") ]
