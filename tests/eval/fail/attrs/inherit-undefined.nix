{ inherit nothere; }
