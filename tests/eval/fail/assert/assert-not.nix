let f = true; in assert !f; 1
