{ value = 1 + notDefinedHere; }
