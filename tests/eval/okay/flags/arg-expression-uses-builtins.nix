{ n }: n
