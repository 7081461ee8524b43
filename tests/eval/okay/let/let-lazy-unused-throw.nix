let unused = throw "never"; x = 3; in x
