let lib = import ./_lib; in lib.generators.toPretty "" {
  name = "demo";
  list = [ 1 "two" [ ] { } [ true null ] ];
  nested = { f = x: x; deeper = { value = 1.5; }; };
}
