{
  strings = map (algo: builtins.hashString algo "hello world\n") [ "md5" "sha1" "sha256" "sha512" ];
  empty = builtins.hashString "sha256" "";
  file = builtins.hashFile "sha256" ./hash.nix;
}
