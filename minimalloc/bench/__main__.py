"""``python -m minimalloc.bench`` (``make bench``): the benchmark suite."""

import sys

from minimalloc.bench.suite import main

sys.exit(main())
