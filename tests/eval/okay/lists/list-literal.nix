[ 1 "two" 3.0 null true [ 5 ] { six = 6; } (7) ]
