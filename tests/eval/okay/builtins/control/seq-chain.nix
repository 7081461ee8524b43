builtins.seq 1 (builtins.seq "a" (builtins.seq [ ] "done"))
