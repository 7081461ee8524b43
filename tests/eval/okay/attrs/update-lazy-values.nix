({ a = throw "no"; b = 1; } // { c = 2; }).b
