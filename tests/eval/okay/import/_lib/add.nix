a: b: a + b
