"hello\nworld"
