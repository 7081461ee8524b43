assert (let v = 1; in if v > 0 then false else true); 1
