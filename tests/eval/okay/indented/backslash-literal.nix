''
  C:\path\to
  \n stays
''
