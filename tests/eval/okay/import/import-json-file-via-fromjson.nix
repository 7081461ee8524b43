builtins.fromJSON (builtins.readFile ./_lib/data.json)
