{ inherit ${"a"}; }
