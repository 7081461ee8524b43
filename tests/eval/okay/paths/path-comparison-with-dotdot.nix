./data/../data == ./data
