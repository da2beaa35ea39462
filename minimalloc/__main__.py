"""``python -m minimalloc``: the command line (see :mod:`minimalloc.cli`)."""

import sys

try:
    # Importing numpy and numba takes a while: a Ctrl-C meanwhile is one
    # line and exit 130, as anywhere later.
    from minimalloc.cli import main
except KeyboardInterrupt:
    print("minimalloc: error: interrupted", file=sys.stderr)
    sys.exit(130)

if __name__ == "__main__":
    sys.exit(main())
