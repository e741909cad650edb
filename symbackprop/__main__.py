"""``python -m symbackprop``: the same command line as the ``symbackprop`` script."""

import sys

from .cli import main

sys.exit(main())
