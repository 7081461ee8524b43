''
  ''${not interpolated}
  $x
  $$
''
