[ http://example.org https://nixos.org/download.html ftp://ftp.x.org/pub mailto:me@example.org x:y git+ssh://git@host/repo.git?ref=main ]
