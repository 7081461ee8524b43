./file
