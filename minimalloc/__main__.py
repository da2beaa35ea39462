"""``python -m minimalloc``: the command line (see :mod:`minimalloc.cli`)."""

import sys

from minimalloc.cli import main

if __name__ == "__main__":
    sys.exit(main())
