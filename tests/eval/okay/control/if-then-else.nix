[ (if true then "t" else "f") (if 1 > 2 then "t" else "f") (if null == null then 1 else 2) ]
