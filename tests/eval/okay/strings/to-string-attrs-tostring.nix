[ (toString { __toString = self: "custom ${self.v}"; v = "x"; }) "${{ __toString = _: "interp"; }}" ]
