let s = { }; in assert s.a.b or false; 1
