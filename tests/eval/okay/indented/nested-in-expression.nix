let f = s: "<" + s + ">"; in f ''
  x
''
