builtins.tryEval <nonexistent-thing>
