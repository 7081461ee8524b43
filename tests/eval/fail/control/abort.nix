abort "stop right there"
