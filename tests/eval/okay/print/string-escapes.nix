[ "quote\"" "back\\slash" "dollar$" "interp\${x}" "nl\nx" "tab\tx" "cr\rx" "dollar-brace $ {" "$$" "$\{" ]
