assert ("a" + "b" == "ab") && (false || 1 > 2); 1
