''just one line''
