[ /etc/passwd /a/b/../c /. ]
