assert "a\"b\n" == "x"; 1
