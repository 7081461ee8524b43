with builtins; [ (attrNames { b = 1; a = 2; c = 3; }) (attrValues { b = 1; a = 2; c = 3; }) (attrNames { }) ]
