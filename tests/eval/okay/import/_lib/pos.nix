

__curPos
