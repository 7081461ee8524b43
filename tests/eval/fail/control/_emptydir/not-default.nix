"placeholder so the directory exists"
