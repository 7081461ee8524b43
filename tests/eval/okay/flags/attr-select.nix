{ a = { b = "selected"; }; c = throw "not evaluated"; }
