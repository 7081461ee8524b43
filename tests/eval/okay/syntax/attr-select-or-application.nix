let f = x: { a = x; }; in [ ((f 1).a or 0) ((f 1).b or 0) ]
