[ (true == true) (true == false) (null == null) (null == false) (null == 0) (false == 0) (true != false) ]
