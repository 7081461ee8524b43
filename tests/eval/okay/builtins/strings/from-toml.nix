builtins.fromTOML ''
  title = "t"
  n = 1
  f = 2.5
  b = true
  arr = [ 1, 2 ]
  [table]
  key = "v"
  [table.sub]
  x = 1
  [[items]]
  a = 1
  [[items]]
  a = 2
''
