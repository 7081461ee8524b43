''
  ''\n is newline
  ''\t is tab
  ''\r is cr
  ''\\ backslash
  ''\x is x
''
