#!/usr/bin/env python3
"""Build printable patient-information leaflets: `python build.py --help`."""

import sys
from pathlib import Path

from publisher.cli.main import main

if __name__ == "__main__":
    sys.exit(main(project=Path(__file__).resolve().parent))  # this file's folder is its project
