[ true false ]
