../paths/data
