[ (!true == false) (! (1 == 2)) (!false && false) ]
