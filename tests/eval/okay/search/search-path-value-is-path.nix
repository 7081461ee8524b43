builtins.typeOf <mylib>
