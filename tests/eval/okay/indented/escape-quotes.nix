''
  two quotes: '''
  one quote: '
''
