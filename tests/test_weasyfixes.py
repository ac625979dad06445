"""The WeasyPrint workarounds (publisher/outputs/pdf/weasyfixes.py, docs/weasyprint-workarounds.md).

Each test renders a tiny document twice: with WeasyPrint alone (our wrappers taken out, no finisher), where the
defect must still show, and as a build renders it, where it must be gone. An upgrade that mends a defect, or
changes what a workaround relies on (a name, a signature, a log message), fails here: then look again at the
workaround, and drop it if WeasyPrint now does the job.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import io
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from importlib import metadata
from pathlib import Path

import conftest
import pikepdf
import pydyf
import pytest

from publisher.outputs.pdf import engine, weasyfixes
from publisher.source import content

REPO = Path(__file__).resolve().parent.parent
WRAPPED = {  # where each wrapped function lives, and the parameters our wrapper passes on
    "Stream.marked": ("weasyprint.pdf.stream", "Stream.marked", ["self", "box", "tag"]),
    "FontConfiguration.add_font_face": ("weasyprint.text.fonts", "FontConfiguration.add_font_face",
                                        ["self", "rule_descriptors", "url_fetcher"]),
    "tags._build_box_tree": ("weasyprint.pdf.tags", "_build_box_tree",
                             ["box", "parent", "pdf", "page_number", "nums", "annotations", "tags"]),
    "document.layout_document": ("weasyprint.document", "layout_document", ["html", "root_box", "context", "max_loops"]),
}
ARABIC = "الطاقة قدميك"  # Naskh draws ق from a skeleton and dots other letters share


def _font(name: str) -> str:
    return (REPO / "styles" / "fonts" / name).as_uri()


def document(body: str) -> str:
    """A tiny tagged document in the project's fonts."""
    return f"""<!DOCTYPE html><html lang="en"><head><title>t</title><style>
@font-face {{ font-family: Sans; src: url({_font("AtkinsonHyperlegibleNext-Regular.ttf")}); }}
@font-face {{ font-family: Naskh; src: url({_font("NotoNaskhArabic-Regular.ttf")}); }}
body {{ font-family: Sans; }} .ar {{ font-family: Naskh; }}
.contents a::after {{ content: leader(". ") " " target-counter(attr(href), page); font-variant-numeric: tabular-nums; }}
</style></head><body>{body}</body></html>"""


CONTENTS = document('<nav class="contents"><a href="#s">Stitches</a></nav>'
                    '<h2 id="s" style="break-before: page">Stitches</h2><p>Words.</p>')


@contextlib.contextmanager
def unwrapped():
    """WeasyPrint's own functions back in place of our wrappers, for the length of the block."""
    saved = []
    for name, (module, attribute, _) in WRAPPED.items():
        owner = importlib.import_module(module)
        if "." in attribute:  # a method: Class.name
            owner, attribute = getattr(owner, attribute.split(".")[0]), attribute.split(".")[1]
        saved.append((owner, attribute, getattr(owner, attribute)))
        setattr(owner, attribute, weasyfixes.ORIGINALS[name])
    from weasyprint.pdf import fonts  # not a function: the module's ffi, for which ours stands in
    saved.append((fonts, "ffi", fonts.ffi))
    fonts.ffi = weasyfixes.ORIGINALS["pdf.fonts.ffi"]
    try:
        yield
    finally:
        for owner, attribute, value in saved:
            setattr(owner, attribute, value)


def weasyprint_alone(html: str) -> bytes:
    """The PDF WeasyPrint makes of `html` by itself: tagged PDF/UA-1, none of our workarounds."""
    weasyprint = weasyfixes.install()
    with unwrapped():
        return weasyprint.HTML(string=html, base_url=REPO.as_uri() + "/").write_pdf(pdf_tags=True,
                                                                                    pdf_variant="pdf/ua-1")


def ours(html: str) -> engine.Rendered:
    """The PDF a build makes of `html`."""
    return engine.Engine(content.Project(REPO)).render("t.yaml", html)


def elements(data: bytes) -> list:
    """(structure type, /Lang, /A) of each structure element, in object order."""
    with pikepdf.open(_bytes(data)) as pdf:
        return [(str(item.S), str(item.Lang) if "/Lang" in item else None, dict(item.A) if "/A" in item else {})
                for item in pdf.objects
                if isinstance(item, pikepdf.Dictionary) and item.get("/Type") == "/StructElem"]


def _bytes(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


def annotations(data: bytes) -> list:
    """Each link annotation's /Contents, page by page."""
    with pikepdf.open(_bytes(data)) as pdf:
        return [str(annotation.get("/Contents")) for page in pdf.pages for annotation in page.get("/Annots", [])]


def contents(data: bytes) -> bytes:
    """Every page's content stream."""
    with pikepdf.open(_bytes(data)) as pdf:
        return b"".join(page.Contents.read_bytes() for page in pdf.pages)


def empty_unicode_entries(data: bytes) -> int:
    """How many glyphs the ToUnicode maps give as '<gggg> <>'."""
    with pikepdf.open(_bytes(data)) as pdf:
        return sum(item.read_bytes().count(b"> <>\n") for item in pdf.objects
                   if isinstance(item, pikepdf.Stream) and item.read_bytes().startswith(b"/CIDInit"))


def extracted(data: bytes, tmp_path: Path) -> str:
    """The text as a reader copies it (poppler), right-to-left runs put back in reading order."""
    (tmp_path / "x.pdf").write_bytes(data)
    out = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(tmp_path / "x.pdf"), "-"], capture_output=True,
                         text=True, check=True).stdout
    out = re.sub("\u202b([^\u202c]*)\u202c", lambda m: m.group(1)[::-1], out)
    return unicodedata.normalize("NFC", " ".join(out.split()))


def test_the_workarounds_were_written_against_the_installed_and_pinned_weasyprint():
    assert metadata.version("weasyprint") == weasyfixes.WEASYPRINT
    assert f"weasyprint=={weasyfixes.WEASYPRINT}" in (REPO / "requirements.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", WRAPPED)
def test_each_wrapped_function_is_there_with_the_parameters_we_pass_on(name):
    weasyfixes.install()
    module, attribute, parameters = WRAPPED[name]
    owner = importlib.import_module(module)
    original = weasyfixes.ORIGINALS[name]
    assert list(inspect.signature(original).parameters) == parameters
    assert inspect.getmodule(original).__name__.startswith("weasyprint.")
    for part in attribute.split("."):
        owner = getattr(owner, part)
    current = owner
    assert current is not original  # installed


def test_the_private_names_we_read_are_there():
    """The layout state pagenumbers.py reads, and the boxes tagging.py walks."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout.absolute import AbsolutePlaceholder
    from weasyprint.pdf.stream import Stream
    from weasyprint.text import line_break

    seen: dict = {}

    def after(pages, context):
        seen["makers"] = context.page_maker
        seen["lookups"] = context.target_collector.counter_lookup_items
        seen["texts"] = [box for page in pages for box in page.descendants() if isinstance(box, boxes.TextBox)]

    weasyprint = weasyfixes.install()
    with weasyfixes.one_layout(after):
        laid_out = weasyprint.HTML(string=CONTENTS, base_url=REPO.as_uri() + "/").render()
    assert all({"pages_wanted", "content_changed"} <= set(maker[-1]) for maker in seen["makers"])
    assert len(seen["makers"]) == len(laid_out.pages) + 1 and isinstance(seen["lookups"], dict)
    assert any((source, "content") in seen["lookups"] and hasattr(seen["lookups"][source, "content"], "parse_again")
               for source, _ in seen["lookups"])
    text = seen["texts"][0]
    assert hasattr(text, "pango_layout") and hasattr(text, "justification_spacing") and hasattr(text, "missing_link")
    assert callable(line_break.Layout) and callable(line_break.line_size)
    assert [type(box).__name__ for box in weasyfixes.page_boxes(laid_out)] == ["PageBox", "PageBox"]
    placeholder = AbsolutePlaceholder(text)
    assert weasyfixes.placed(placeholder) is text and weasyfixes.placed(text) is text
    # A tagged stream opens a text box's marked content with its property list just before b"BDC".
    stream = Stream.__new__(Stream)
    pydyf.Stream.__init__(stream)
    stream._tags = {}
    with weasyfixes.ORIGINALS["Stream.marked"](stream, placeholder, "Span"):
        assert stream.stream[-2:] == [{"MCID": 0}, b"BDC"]


def test_the_wrappers_change_nothing_outside_a_render_that_asks():
    """No hidden state: WeasyPrint with our wrappers in place, not asked for, writes the same bytes (text in
    shaped scripts aside: its /ActualText is always added)."""
    weasyprint = weasyfixes.install()
    html = document('<div lang="cy"><p>Bore da</p></div>' + CONTENTS.split("<body>")[1].split("</body>")[0])
    wrapped = weasyprint.HTML(string=html, base_url=REPO.as_uri() + "/").write_pdf(pdf_tags=True,
                                                                                 pdf_variant="pdf/ua-1")
    assert wrapped == weasyprint_alone(html)


def test_shaped_letters_are_copied_as_written_only_with_actual_text(tmp_path):
    """Kozea/WeasyPrint#2841: a glyph-by-glyph ToUnicode map gives the wrong Arabic letters, and leaves the dots'
    glyphs empty ('<gggg> <>', a malformed map). Stream.marked's wrapper adds /ActualText; the finisher fills
    the empty entries with U+200D."""
    html = document(f'<p class="ar">{ARABIC}</p>')
    alone, built = weasyprint_alone(html), ours(html).pdf
    assert ARABIC not in extracted(alone, tmp_path)
    assert b"/ActualText" not in contents(alone) and empty_unicode_entries(alone) > 0
    assert ARABIC in extracted(built, tmp_path)
    assert b"/ActualText" in contents(built) and empty_unicode_entries(built) == 0


def test_an_element_s_own_language_reaches_its_structure_element():
    """WeasyPrint writes the document's /Lang only: a <div lang> and a <span lang> get theirs from the structure
    tree hook and the finisher."""
    html = document('<div lang="cy"><p>Bore da <span lang="fr">bonjour</span></p></div>')
    assert [lang for _, lang, _ in elements(weasyprint_alone(html))] == [None] * 6
    assert [(kind, lang) for kind, lang, _ in elements(ours(html).pdf) if lang] == [("/Div", "cy"), ("/Span", "fr")]


def test_header_cells_get_their_scope():
    """Kozea/WeasyPrint#2508: a /TH has /Headers pointing at it but no /Scope."""
    html = document("<table><tr><th>Day</th><th>Dose</th></tr><tr><td>1</td><td>2</td></tr></table>")
    assert [a.get("/Scope") for kind, _, a in elements(weasyprint_alone(html)) if kind == "/TH"] == [None, None]
    assert [a.get("/Scope") for kind, _, a in elements(ours(html).pdf) if kind == "/TH"] == ["/Column"] * 2


def test_a_contents_entry_is_one_link_named_by_its_text_and_its_dots_are_an_artifact():
    """Kozea/WeasyPrint#2482 and #185: a link drawn in three boxes (its text, the leader, the number) is three
    nested Link elements with three annotations named by the anchor; the leader's dots are read as content."""
    alone, built = weasyprint_alone(CONTENTS), ours(CONTENTS).pdf
    assert annotations(alone) == ["s", "s", "s"]
    assert [kind for kind, _, _ in elements(alone)].count("/Link") == 3
    assert b"/Artifact" not in contents(alone)
    assert annotations(built) == ["Stitches"]
    assert [kind for kind, _, _ in elements(built)].count("/Link") == 1
    assert b"/Artifact\nBMC" in contents(built)


def test_a_contents_page_is_laid_out_once_and_the_progress_log_says_each_page():
    """Kozea/WeasyPrint#652: a page whose target-counter() learns its value is laid out again; the progress log
    ("Step 5 - Creating layout - Page %d") is how the page limit counts (Kozea/WeasyPrint#1549)."""
    records: list = []
    handler = logging.Handler(logging.INFO)
    handler.emit = records.append  # type: ignore[method-assign]
    progress = logging.getLogger(weasyfixes.PROGRESS)
    saved = progress.level
    progress.setLevel(logging.INFO)
    progress.addHandler(handler)
    try:
        weasyprint_alone(CONTENTS)
    finally:
        progress.removeHandler(handler)
        progress.setLevel(saved)
    pages = [weasyfixes.page_laid_out(record) for record in records]
    assert [page for page in pages if page is not None] == [1, 2, 1, 1]  # page one again for its number, and the total
    assert any("up-to-date" in record.getMessage() for record in records)  # page two re-used: not counted
    rendered = ours(CONTENTS)
    assert (rendered.pages, rendered.layouts) == (2, 2)


_PROGRAMS = """
import re, subprocess, sys
started = []
real = subprocess.Popen.__init__
def counted(self, args, *rest, **kwargs):
    started.append(args[0] if isinstance(args, (list, tuple)) else args)
    real(self, args, *rest, **kwargs)
subprocess.Popen.__init__ = counted
if sys.argv[1] == "ours":
    from publisher.outputs.pdf import weasyfixes
    weasyfixes.install()
else:
    import weasyprint
libraries = sorted({line.split()[-1] for line in open("/proc/self/maps")
                    if re.search(r"/lib(gobject-2|pango-1|pangoft2-1|harfbuzz|fontconfig)[^/]*[.]so", line)})
print(repr((started, libraries)))
"""


@pytest.mark.skipif(not Path("/sbin/ldconfig").exists(), reason="Linux with glibc's ldconfig only")
def test_weasyprint_finds_its_libraries_with_one_program_and_loads_the_same_ones():
    def run(how: str):
        env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "LIBRARY_PATH")}
        out = subprocess.run([sys.executable, "-c", _PROGRAMS, how], cwd=REPO, env=env,
                             capture_output=True, text=True, check=True).stdout
        return eval(out)  # noqa: S307 - our own repr of two lists of strings

    alone, alone_libraries = run("alone")
    ours, our_libraries = run("ours")
    # The defect: ldconfig again for each name tried (and gcc and ld after it, where they are installed).
    assert alone.count("/sbin/ldconfig") > 10
    assert ours == ["/sbin/ldconfig"]
    assert len(our_libraries) >= 6 and our_libraries == alone_libraries  # gobject, pango, pangoft2, harfbuzz, ...


def test_no_test_module_imports_weasyprint_itself_while_collected():
    """Each test process would pay the slow library search above before its first test: 1.2 s."""
    assert not conftest.WEASYPRINT_IMPORTED_PLAINLY, (
        "a test module imported weasyprint while being collected - import it as the build does: "
        "publisher.outputs.pdf.engine._weasyprint()")


@pytest.fixture
def configs():
    """Font configurations kept to the end of the test: one removes its folder when it is collected."""
    kept: list = []
    yield kept
    kept.clear()


def _font_folder_files(configs: list, font: Path) -> list[Path]:
    """The files a font configuration keeps for one @font-face font."""
    weasyprint = weasyfixes.install()
    config = weasyprint.text.fonts.FontConfiguration()
    weasyprint.CSS(string=f"@font-face {{ font-family: T; src: url({font.as_uri()}); }}", font_config=config)
    configs.append(config)
    return list(config._folder.iterdir()) if config._folder else []


def test_a_font_file_is_linked_into_the_font_folder_not_copied(tmp_path, configs):
    font = tmp_path / "AtkinsonHyperlegibleNext-Regular.ttf"
    font.write_bytes((REPO / "styles" / "fonts" / font.name).read_bytes())
    kept, = _font_folder_files(configs, font)
    assert kept.stat().st_ino == font.stat().st_ino  # the same file: nothing read or written
    with unwrapped():
        copied, = _font_folder_files(configs, font)
    assert copied.stat().st_ino != font.stat().st_ino and copied.read_bytes() == font.read_bytes()  # WeasyPrint's


def test_a_font_on_another_file_system_is_copied(configs):
    other = Path("/dev/shm")
    if not other.is_dir() or other.stat().st_dev == Path(tempfile.gettempdir()).stat().st_dev:
        pytest.skip("no second file system to put a font on (/dev/shm)")
    font = Path(tempfile.mkdtemp(dir=other)) / "AtkinsonHyperlegibleNext-Regular.ttf"
    try:
        font.write_bytes((REPO / "styles" / "fonts" / font.name).read_bytes())
        kept, = _font_folder_files(configs, font)
        assert kept.stat().st_ino != font.stat().st_ino and kept.read_bytes() == font.read_bytes()
    finally:
        shutil.rmtree(font.parent)


def test_linked_fonts_make_the_same_pdf():
    html = document("<p>Words in Atkinson.</p>")  # no wrapper but the fonts' has anything to do here
    weasyprint = weasyfixes.install()
    linked = weasyprint.HTML(string=html, base_url=REPO.as_uri() + "/").write_pdf(pdf_tags=True,
                                                                                   pdf_identifier=b"x" * 32)
    with unwrapped():
        copied = weasyprint.HTML(string=html, base_url=REPO.as_uri() + "/").write_pdf(pdf_tags=True,
                                                                                       pdf_identifier=b"x" * 32)
    assert linked == copied


def _sized_arrays_parsed() -> set:
    """The glyph array types of a stated length cffi has parsed in this process ('hb_codepoint_t[57]')."""
    from weasyprint.text.ffi import ffi
    return {key for key in ffi._parsed_types if isinstance(key, str) and re.fullmatch(r"hb_codepoint_t\[\d+\]", key)}


def test_font_subsetting_parses_no_c_type_for_each_glyph_count():
    """WeasyPrint made each glyph array as a C type of its own length, which cffi parses (about 2 ms) the first
    time it meets that length; ours makes the same arrays as one open-length type: the same PDF."""
    from weasyprint.text.ffi import ffi
    weasyprint = weasyfixes.install()
    html = document("<p>Sprains and strains: rest, ice, compression, elevation. 0123456789</p>")

    def pdf() -> tuple[bytes, set]:
        for key in _sized_arrays_parsed():  # forgotten, as in a process that has not met these lengths
            del ffi._parsed_types[key]
        data = weasyprint.HTML(string=html, base_url=REPO.as_uri() + "/").write_pdf(pdf_tags=True,
                                                                                     pdf_identifier=b"x" * 32)
        return data, _sized_arrays_parsed()

    with unwrapped():
        alone, parsed_alone = pdf()
    ours, parsed_ours = pdf()
    assert len(parsed_alone) >= 2  # the used glyphs, the glyphs kept, the tables dropped: each its own length
    assert parsed_ours == set()
    assert ours == alone


FONT_TOOLS_ON_DEMAND = """
import sys
from publisher.outputs.pdf import weasyfixes
weasyfixes.install()
print("imported:", "fontTools.varLib" in sys.modules, type(sys.modules["fontTools.subset"]).__name__)
from fontTools.ttLib import TTFont
from weasyprint.pdf import fonts
print("subsetter:", fonts.subset.Options.__name__, type(sys.modules["fontTools.subset"]).__name__)
try:
    fonts.instantiateVariableFont(TTFont("styles/fonts/AtkinsonHyperlegibleNext-Regular.ttf"), {})
except ValueError as exc:
    print("instancer:", exc)
import fontTools.varLib.instancer
print("elsewhere:", fontTools.varLib.instancer.instantiateVariableFont.__module__)
"""


def test_fonttools_subsetter_and_instancer_load_when_used_not_when_weasyprint_is_imported():
    """Workaround 14 (publisher/outputs/pdf/quickimport.py), in a fresh process: neither is loaded by the import;
    each works when used (the instancer is fontTools' own: a static font lacks the table it needs), and an import
    of the instancer elsewhere gets fontTools' module."""
    run = subprocess.run([sys.executable, "-c", FONT_TOOLS_ON_DEMAND], cwd=REPO, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert run.stdout.splitlines() == ["imported: False _LazyModule", "subsetter: Options module",
                                       "instancer: Missing required table fvar",
                                       "elsewhere: fontTools.varLib.instancer"], run.stderr
