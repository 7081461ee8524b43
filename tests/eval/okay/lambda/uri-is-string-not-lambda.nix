[ http://example.org/x a:b ]
