let x = "sub"; in ./data/${x}/file
