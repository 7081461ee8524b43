{ name }: { inherit name; greeting = "hello ${name}"; }
