import (toString ./_lib/value.nix)
