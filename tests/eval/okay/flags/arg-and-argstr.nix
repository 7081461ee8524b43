{ a, b, c ? "dflt" }: [ a b c ]
