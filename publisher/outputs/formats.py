"""The formats we ship, in the registry's order: a new format is one module defining its Output, and one line here.

The output registry reads OUTPUTS through the `leaflets.outputs` entry point in pyproject.toml the first time
it is read, so importing a writer module has no side effect and the order is this list's, however a program
started. `--help`, the brand schema's list and the catalogue follow it (tests/test_outputs.py holds it to the
schema).
"""

from publisher.outputs import audio, bilingual, booklet, braille, preview, web
from publisher.outputs.pdf import engine

OUTPUTS = (
    engine.PDF_OUTPUT,
    web.HTML_OUTPUT,
    preview.PREVIEW_OUTPUT,
    braille.BRF_OUTPUT,
    braille.PEF_OUTPUT,
    audio.MP3_OUTPUT,
    audio.TRANSCRIPT_OUTPUT,
    bilingual.BILINGUAL_OUTPUT,
    booklet.BOOKLET_OUTPUT,
    booklet.PRINT_OUTPUT,
    booklet.BILINGUAL_BOOKLET_OUTPUT,
    booklet.BILINGUAL_PRINT_OUTPUT,
)
