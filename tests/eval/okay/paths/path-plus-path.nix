./data + ./data
