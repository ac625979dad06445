"""The formats we ship: a new format is one module that registers itself, and one line here.

The output registry imports this module (the `leaflets.outputs` entry point in pyproject.toml) the first time
it is read. The order of these lines is the registry's: `--help`, the brand schema's list and the catalogue
follow it (tests/test_outputs.py holds it to the schema).
"""

# isort: off
from publisher.outputs.pdf import engine  # noqa: F401  pdf
from publisher.outputs import web  # noqa: F401  html
from publisher.outputs import preview  # noqa: F401  preview
from publisher.outputs import braille  # noqa: F401  brf, pef
from publisher.outputs import audio  # noqa: F401  mp3, transcript
from publisher.outputs import bilingual  # noqa: F401  bilingual
from publisher.outputs import booklet  # noqa: F401  booklet, print, bilingual-booklet, bilingual-print
