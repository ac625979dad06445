"""`python -m publisher`: the same command line as build.py and `leaflets`."""

import sys

from publisher.cli.main import main

sys.exit(main())
