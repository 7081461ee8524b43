builtins.fromTOML ''
  a = -1
  b = 0x1F
  c = 1_000
  d = 1e3
  e = "\u00e9"
  f = [ [ 1, 2 ], [ "a" ] ]
  g = false
''
