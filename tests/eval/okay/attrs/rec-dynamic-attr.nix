rec { x = "dyn"; ${"y"} = 1; z = 2; }
