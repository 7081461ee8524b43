[ (true && false) (true || false) (!true) (false -> true) (true -> false) (false -> false) (!false && true) (true || throw "lazy") (false && throw "lazy") (false -> throw "lazy") ]
