let lib = import ./_lib; in with lib; {
  range = range 3 7;
  emptyRange = range 5 1;
  reversed = reverseList [ 1 2 3 4 ];
  flat = flatten [ 1 [ 2 [ 3 [ 4 ] ] ] [ ] 5 ];
  uniq = unique [ 3 1 3 2 1 ];
  taken = take 2 [ "a" "b" "c" ];
  dropped = drop 2 [ "a" "b" "c" ];
  tooMany = take 10 [ 1 2 ];
  lastInit = [ (last [ 1 2 3 ]) (init [ 1 2 3 ]) ];
  zipped = zipLists [ 1 2 3 ] [ "a" "b" ];
  indexed = imap1 (i: x: "${toString i}:${x}") [ "x" "y" ];
  counted = count (x: x > 2) [ 1 2 3 4 5 ];
  first = findFirst (x: x > 10) "none" [ 1 2 3 ];
  first2 = findFirst (x: x > 1) "none" [ 1 2 3 ];
  opt = optional true "yes" ++ optional false "no" ++ optionals true [ "a" "b" ];
  inter = intersperse "," [ "a" "b" "c" ];
  removed = remove 2 [ 1 2 3 2 ];
  subtracted = subtractLists [ 1 3 ] [ 1 2 3 4 ];
  folded = foldr (x: acc: "(${toString x} ${acc})") "nil" [ 1 2 3 ];
  sorted = sortOn (x: x.n) [ { n = 3; } { n = 1; } { n = 2; } ];
  replicated = replicate 3 "ab";
}
