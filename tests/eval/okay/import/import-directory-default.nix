import ./_lib/dir
