{ p = ./data; }
