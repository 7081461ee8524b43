{ who }: "hello ${who}"
