[ "# not a comment" "/* nor */" ''# neither'' ]
