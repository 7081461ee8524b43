{ a = 1; b = throw "forced by --strict"; }
