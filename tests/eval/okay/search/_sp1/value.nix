"from sp1"
