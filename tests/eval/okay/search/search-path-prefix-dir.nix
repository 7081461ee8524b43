import <mylib>
