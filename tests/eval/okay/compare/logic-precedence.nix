[ (true || false && false) (!false || false) (false -> false -> false) (true -> false -> false) (1 < 2 == true) (1 + 1 == 2 && 2 * 2 == 4) ]
