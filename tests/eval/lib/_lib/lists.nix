# List utilities, written on top of the list builtins.
let
  t = import ./trivial.nix;
  inherit (builtins) length elemAt genList filter foldl' concatMap head tail isList elem;
in
rec {
  foldr = op: nul: list:
    let
      len = length list;
      go = i: if i == len then nul else op (elemAt list i) (go (i + 1));
    in
    go 0;

  range = first: last: if first > last then [ ] else genList (n: first + n) (last - first + 1);

  replicate = n: x: genList (_: x) n;

  reverseList = xs: let l = length xs; in genList (n: elemAt xs (l - n - 1)) l;

  flatten = x: if isList x then concatMap flatten x else [ x ];

  unique = foldl' (acc: e: if elem e acc then acc else acc ++ [ e ]) [ ];

  sublist = start: count: xs:
    let
      len = length xs;
      s = t.min start len;
      c = t.min count (len - s);
    in
    genList (i: elemAt xs (s + i)) (if c < 0 then 0 else c);

  take = n: sublist 0 n;
  drop = n: xs: sublist n (length xs) xs;
  last = xs: elemAt xs (length xs - 1);
  init = xs: take (length xs - 1) xs;

  zipListsWith = f: a: b: genList (i: f (elemAt a i) (elemAt b i)) (t.min (length a) (length b));
  zipLists = zipListsWith (fst: snd: { inherit fst snd; });

  imap0 = f: xs: genList (i: f i (elemAt xs i)) (length xs);
  imap1 = f: imap0 (i: f (i + 1));

  count = pred: foldl' (c: x: if pred x then c + 1 else c) 0;

  findFirst = pred: default: xs:
    let found = filter pred xs; in if found == [ ] then default else head found;

  optional = cond: x: if cond then [ x ] else [ ];
  optionals = cond: xs: if cond then xs else [ ];

  intersperse = sep: xs: if xs == [ ] then [ ] else tail (concatMap (x: [ sep x ]) xs);

  remove = e: filter (x: x != e);
  subtractLists = e: filter (x: !(elem x e));

  sortOn = f: builtins.sort (a: b: f a < f b);

  # Every combination of one element from each list, in order.
  crossLists = f: lists:
    map (args: foldl' (g: a: g a) f args)
      (foldl' (acc: l: concatMap (prefix: map (x: prefix ++ [ x ]) l) acc) [ [ ] ] lists);

  # Depth-first topological sort: `before a b` means a must come before b.
  # Returns { result = [...]; } or { cycle = [...]; }.
  toposort = before: xs:
    let
      visit = state: x:
        if elem x state.done then state
        else if elem x state.path then state // { cycle = state.path ++ [ x ]; }
        else
          let
            preds = filter (y: y != x && before y x) xs;
            inner = foldl' (s: y: if s ? cycle then s else visit s y) (state // { path = state.path ++ [ x ]; }) preds;
          in
          if inner ? cycle then inner
          else inner // { path = state.path; done = inner.done ++ [ x ]; };
      final = foldl' (s: x: if s ? cycle then s else visit s x) { done = [ ]; path = [ ]; } xs;
    in
    if final ? cycle then { inherit (final) cycle; } else { result = final.done; };
}
