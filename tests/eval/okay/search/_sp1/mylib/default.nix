"mylib default"
