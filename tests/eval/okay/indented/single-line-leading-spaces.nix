''   spaced''
