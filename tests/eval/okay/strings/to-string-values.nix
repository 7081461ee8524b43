map toString [ 1 (-2) 1.5 true false null "s" [ 1 "a" [ 2 ] ] [ ] [ null ] ]
