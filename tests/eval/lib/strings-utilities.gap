Nix strings are byte strings; denv's are UTF-8 text, so bytes that are not valid UTF-8 print as U+FFFD.
