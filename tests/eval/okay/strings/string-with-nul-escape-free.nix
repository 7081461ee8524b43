"tab:\t nl:\n cr:\r"
