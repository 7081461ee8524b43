let x = "X"; in ''
  ${x}
    ${x}
''
