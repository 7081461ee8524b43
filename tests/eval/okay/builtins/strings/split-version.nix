with builtins; [ (splitVersion "1.2.3") (splitVersion "2.3a4-pre") (splitVersion "") (splitVersion "1..2") ]
