let shared = { deep = [ 1 2 ]; }; in { a = shared; b = [ shared shared ]; }
