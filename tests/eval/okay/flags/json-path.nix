{ p = "no-path"; }
