./dir
