"""``python -m minimalloc.generate``: the ``minimalloc generate`` subcommand."""

import sys

from minimalloc.generate.problems import main_generate

sys.exit(main_generate(sys.argv[1:]))
