let x = "val"; in ''
  a ${x} b
  ${x}
''
