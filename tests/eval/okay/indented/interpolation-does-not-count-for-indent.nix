let x = "  inner\n  lines"; in ''
    ${x}
    end
''
