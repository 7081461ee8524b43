{ s }: s
