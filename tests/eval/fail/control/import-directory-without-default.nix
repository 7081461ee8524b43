import ./_emptydir
