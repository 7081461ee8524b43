"sp1 shadow"
