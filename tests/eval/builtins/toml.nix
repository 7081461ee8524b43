builtins.fromTOML ''
  a = 0x1F
  b = 1_000
  c = "\u00e9 \"quoted\""
  d = 'literal \n'
  e = [ 1, [ 2, 3 ], "x" ]
  f = 1e3
  g = -0.5
  h = true
  dotted.key = 1
  inline = { x = 1, y = { z = "deep" } }
  multi = """
  line one
  line two"""

  [[fruit]]
  name = "apple"
  [fruit.physical]
  color = "red"

  [[fruit]]
  name = "banana"

  [table."quoted key"]
  v = [ ]
''
