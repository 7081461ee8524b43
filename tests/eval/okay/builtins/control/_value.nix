"imported"
