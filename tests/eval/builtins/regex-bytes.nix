# Patterns and subjects are byte strings: a non-ASCII character is several bytes.
[
  (builtins.match "é" "é")
  (builtins.match "[é]" "é")
  (builtins.match "[é]+" "é")
  (builtins.match "(..)" "é")
  (builtins.match "(.)" "é")
  (builtins.match "h(.*)llo" "héllo")
  (builtins.split "é" "aébéc")
  (builtins.split "(ü+)" "xüüy")
  (builtins.match "[^a]*" "äöü")
  (builtins.match "[[:alpha:]]*" "é")
]
