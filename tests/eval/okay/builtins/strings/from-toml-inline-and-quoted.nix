builtins.fromTOML ''
  inline = { a = 1, b = "x" }
  "quoted key" = 1
  dotted.key.path = "d"
  multi = """
  line1
  line2"""
  literal = 'C:\path'
''
