./data + "suffix"
