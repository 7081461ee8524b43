with builtins; [ (typeOf nixVersion) (typeOf langVersion) (typeOf currentSystem) (typeOf currentTime) (typeOf storeDir) (isList nixPath) ]
