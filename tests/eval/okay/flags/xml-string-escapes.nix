[ "<tag> & \"quotes\" 'apos'" "nl\nx" ]
