''
  outer ${''
    inner
  ''} end
''
