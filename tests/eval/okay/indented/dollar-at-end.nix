''
  cost $
  a$''
