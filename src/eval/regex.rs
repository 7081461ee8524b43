//! POSIX extended regular expressions as `builtins.match` and `builtins.split` use them.
