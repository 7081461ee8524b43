{ mylibValue = 1; }
