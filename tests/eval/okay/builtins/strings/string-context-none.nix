with builtins; [ (hasContext "plain") (getContext "plain") (unsafeDiscardStringContext "x") ]
