builtins.fromJSON "\"aÿb\""
