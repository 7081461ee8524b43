builtins.addErrorContext "while doing x" (1 + 1)
