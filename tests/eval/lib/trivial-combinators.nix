let lib = import ./_lib; in with lib; [
  (id 5) (const 1 2) (flip builtins.sub 1 10) (pipe 2 [ (x: x * 3) (x: x + 1) toString ]) (compose toString (x: x * 2) 21)
  (min 3 4) (max 3 4) (mod 17 5) (mod (-7) 3) (boolToString true) (isEven 10) (isEven 7)
]
