{ pos = __curPos; line = __curPos.line; }
