"${{ outPath = "out"; }}/bin"
