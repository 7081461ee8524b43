"str".a
