"${toString 42}"
