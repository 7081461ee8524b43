with { notABuiltin = "from with"; }; notABuiltin
