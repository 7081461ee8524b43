throw "thrown from an imported file"
