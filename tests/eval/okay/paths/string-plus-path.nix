"prefix-" + toString ./data
