# `==` forces both sides before anything else, even when they are the same value.
let a = { x = throw "forced by =="; }; b = a; in a == b
