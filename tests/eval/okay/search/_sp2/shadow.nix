"sp2 shadow"
