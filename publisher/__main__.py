"""`python -m publisher`: the same command line as build.py and `leaflets`."""

import sys

from .cli import main

sys.exit(main())
