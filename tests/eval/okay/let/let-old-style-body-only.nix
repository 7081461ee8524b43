let { body = "just body"; }
