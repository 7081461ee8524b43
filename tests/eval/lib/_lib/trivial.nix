# Combinators and small helpers everything else builds on.
{
  id = x: x;
  const = x: _: x;
  flip = f: a: b: f b a;
  pipe = x: fs: builtins.foldl' (acc: f: f acc) x fs;
  compose = f: g: x: f (g x);
  min = a: b: if a < b then a else b;
  max = a: b: if a > b then a else b;
  mod = a: b: a - (a / b) * b;
  boolToString = b: if b then "true" else "false";
  isEven = n: n - (n / 2) * 2 == 0;
}
