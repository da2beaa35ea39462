"""``python -m minimalloc.generate``: the ``minimalloc generate`` subcommand."""

import sys

from minimalloc.cli import main

sys.exit(main(["generate", *sys.argv[1:]]))
