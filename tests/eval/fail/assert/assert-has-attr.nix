let s = { }; in assert s ? x; 1
