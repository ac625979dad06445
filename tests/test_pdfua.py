"""PDF/UA-1 tags: two independent checkers over every PDF built here, and our own reading of the structure tree."""

from __future__ import annotations

import collections
import datetime
import functools
import itertools
import re
import shutil
from pathlib import Path

import page
import pdfplumber
import pikepdf
import pypdf
import pypdfium2
import pytest
import yaml
from conftest import MINIMAL, REPO, Project
from pdfua.validator import Validator
from pdfutil import marked_text
from PIL import Image
from pypdf.generic import ArrayObject, BooleanObject, DictionaryObject

from publisher.build import batch
from publisher.source import content

# pdfua 0.1.3 cannot run its empty-heading rule on a heading with more than one kid: it asks a
# pikepdf Array for an attribute and gets ValueError, not AttributeError. Every heading of ours
# has several, so the rule never runs; test_headings_are_in_order checks their text instead.
PDFUA_CANNOT_RUN = {"UA-14-001"}

EXAMPLE_TITLE = "Looking after a sprain or strain"
# The example leaflet of docs/ has callouts of every kind, cards with both kinds of list, web links
# with QR codes and further reading; these pictures give two of its sections an image each.
PICTURES = {
    "    body: |\n      You may have a sprain or strain if:": (
        "images/swollen-ankle.svg", "A swollen ankle, seen from the side", "Swelling is often worst on day two"),
    "    body: >-\n      Most sprains and strains do not need a doctor.": (
        "images/ice-pack.png", "An ice pack wrapped in a tea towel", None),
}
EXAMPLE_BUILDS = {"a4": ("standard",), "a5": ("large-print",)}


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> dict[str, Path]:
    """The docs' example leaflet with two pictures, built on A4 and as A5 large print: {name: PDF}."""
    project = Project(tmp_path_factory.mktemp("example") / "proj")
    shutil.copy(REPO / "people.yaml", project.root / "people.yaml")  # the people the example credits
    text = (REPO / "docs" / "example-leaflet.yaml").read_text(encoding="utf-8")
    text = re.sub(r"^max_pages:.*\n", "", text, flags=re.MULTILINE)  # the pictures make it longer
    for anchor, (file, alt, caption) in PICTURES.items():
        assert anchor in text
        image = f"    image:\n      file: {file}\n      alt: {alt}\n" + (f"      caption: {caption}\n" if caption else "")
        text = text.replace(anchor, image + anchor)
    project.leaflet("example", text)
    project.write("handouts/images/swollen-ankle.svg",
                  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 20" width="400" height="200">'
                  '<ellipse cx="20" cy="10" rx="15" ry="7" fill="#c98"/></svg>')
    Image.new("RGB", (60, 30), "#8ac").save(project.root / "handouts/images/ice-pack.png")
    built = {}
    for paper, editions in EXAMPLE_BUILDS.items():
        options = batch.Options(out=project.root / "dist" / paper, paper=paper, editions=editions,
                                today=datetime.date(2026, 11, 25))
        report = batch.build(content.Project(project.root), options)
        assert report.ok, [r.errors for r in report.failed] + report.shared_errors
        built.update({f"{paper}-{Path(r.output).stem}": Path(r.output) for r in report.results})
    return built


def every_pdf(shipped, example) -> dict[str, Path]:
    """The shipped PDFs and the example's, by name."""
    return {**{stem: Path(r.output) for stem, r in shipped.items()}, **example}


# -- Independent checkers -----------------------------------------------------


def pdfua_problems(path: Path) -> list[str]:
    """What the `pdfua` checker finds, and any of its rules that could not run, one line each."""
    report = Validator().validate(str(path))
    return ([f"pdfua {f.rule_id} {f.location.describe()}: {f.message}" for f in report.findings]
            + [f"pdfua {o.rule_id} did not run: {o.skipped_reason}" for o in report.skipped
               if o.rule_id not in PDFUA_CANNOT_RUN])


def page_problems(path: Path) -> list[str]:
    """What the `page` validator (PDF/UA-1 profile) finds, one line each."""
    report = page.validate_pdf(path, profile=page.ValidationProfile.PDF_UA_1)
    assert report.rules.total > 100  # the whole PDF/UA-1 profile ran, not an empty one
    problems = [f"page {f.rule_id}: {f.message}" for f in report.failures]
    return problems or ([] if report.is_compliant else ["page: not compliant, with no failure given"])


def test_shipped_pdfs_pass_both_checkers(shipped):
    problems = {stem: pdfua_problems(r.output) + page_problems(r.output) for stem, r in shipped.items()}
    assert len(problems) == 2 * len(list((REPO / "handouts").glob("*.yaml")))  # both editions of each
    assert {stem: found for stem, found in problems.items() if found} == {}


def test_example_with_every_feature_passes_both_checkers(example):
    problems = {name: pdfua_problems(path) + page_problems(path) for name, path in example.items()}
    assert {name: found for name, found in problems.items() if found} == {}


def test_the_checkers_catch_an_untitled_figure(project, capsys):
    """The checkers are not blind to what we fixed: an inline <svg> without a title is reported by both."""
    callout = project.root / "templates" / "partials" / "callout.html"
    template = callout.read_text()
    assert 'class="callout-label">' in template
    callout.write_text(template.replace('class="callout-label">',
                                        'class="callout-label"><svg width="9" height="9"><circle r="4"/></svg>'))
    project.leaflet("ankle", MINIMAL.replace("    body: Rest", "    callouts:\n      - kind: note\n"
                                             "        body: Keep it raised.\n    body: Rest"))
    assert project.run(capsys=capsys)[0] == 0
    pdf = project.root / "dist" / "ankle.pdf"
    assert [p.split(":")[0] for p in pdfua_problems(pdf)] == ["pdfua UA-13-004 page 1 /Figure /StructTreeRoot"]
    assert page_problems(pdf) == [("page PDFUA1-FIGURE-ALTERNATIVE-TEXT-001: a Figure structure element has "
                                   "neither a non-empty /Alt nor an /ActualText string")]


# -- Our own reading of the tags ----------------------------------------------


class Tags:
    """A tagged PDF's structure tree, with the text each element marks."""

    def __init__(self, path: Path):
        self.reader = pypdf.PdfReader(str(path))
        self.root = self.reader.trailer["/Root"]
        self._pages = {p.indirect_reference.idnum: i for i, p in enumerate(self.reader.pages)}
        self._text = collections.defaultdict(str, marked_text(path))

    def elements(self):
        """(element, parent) for every structure element, depth first in reading order."""
        def walk(element, parent):
            yield element, parent
            for kid in self.kids(element):
                if isinstance(kid, DictionaryObject) and "/S" in kid:
                    yield from walk(kid, element)
        for top in self.kids(self.root["/StructTreeRoot"]):
            yield from walk(top, None)

    def text(self, element) -> str:
        """Everything the element and its descendants mark on the pages, spaces folded."""
        parts = []
        for kid in self.kids(element):
            if isinstance(kid, int):
                parts.append(self._text[self._pages[element["/Pg"].indirect_reference.idnum], kid])
            elif isinstance(kid, DictionaryObject) and kid.get("/Type") == "/MCR":
                parts.append(self._text[self._pages[kid["/Pg"].indirect_reference.idnum], kid["/MCID"]])
            elif isinstance(kid, DictionaryObject) and "/S" in kid:
                parts.append(self.text(kid))
        return " ".join("".join(parts).split())

    @staticmethod
    def kids(element) -> list:
        """An element's kids, resolved: structure elements, MCIDs and content references."""
        kids = element.get("/K", [])
        kids = kids.get_object() if hasattr(kids, "get_object") else kids
        kids = kids if isinstance(kids, ArrayObject) else [kids]
        return [kid.get_object() if hasattr(kid, "get_object") else kid for kid in kids]

    @staticmethod
    def role(element) -> str:
        """The structure type, without the slash: 'H2', 'Figure'."""
        return str(element["/S"]).lstrip("/")


@functools.cache
def read_tags(path: Path) -> Tags:
    """A PDF's tags, read once a process."""
    return Tags(path)


def marked_content(path: Path) -> collections.Counter:
    """How often each tag marks content in the page streams, and (as 'TAG Do') what each drawn XObject sits in."""
    counts: collections.Counter = collections.Counter()
    with pikepdf.open(path) as pdf:
        for pdf_page in pdf.pages:
            marks = []
            # qpdf's parser, asked only for these operators: a tenth of the time of reading every operation
            for operands, operator in pikepdf.parse_content_stream(pdf_page, "BMC BDC EMC Do"):
                if operator in (pikepdf.Operator("BMC"), pikepdf.Operator("BDC")):
                    marks.append(str(operands[0]))
                    counts[marks[-1]] += 1
                elif operator == pikepdf.Operator("EMC"):
                    marks.pop()
                else:
                    counts[("/Artifact" if "/Artifact" in marks else marks[-1] if marks else "untagged") + " Do"] += 1
    return counts


def callouts(stem: str) -> int:
    """How many callouts a shipped leaflet has, wherever they stand in it."""
    def count(node) -> int:
        if isinstance(node, dict):
            return (node.get("kind") in ("urgent", "action", "note")) + sum(count(v) for v in node.values())
        return sum(count(v) for v in node) if isinstance(node, list) else 0
    stem = stem.removesuffix(".large-print")
    return count(yaml.safe_load((REPO / "handouts" / f"{stem}.yaml").read_text(encoding="utf-8")))


def figures(tags: Tags) -> list:
    """Every /Figure element, in reading order."""
    return [element for element, _ in tags.elements() if tags.role(element) == "Figure"]


def test_every_figure_has_alt_text_and_every_icon_is_an_artifact(shipped, example):
    for name, path in every_pdf(shipped, example).items():
        tags = read_tags(path)
        alts = [str(f.get("/Alt", "")) for f in figures(tags)]
        assert all(alt.strip() for alt in alts), (name, alts)
        marked = marked_content(path)
        assert marked["/Figure"] == len(alts), name  # every figure drawn is in the tags
        # A callout icon is a background image (an XObject) drawn as an artifact; nothing else is one.
        assert marked["/Artifact Do"] == (4 if name in example else callouts(name)), name
        assert marked["untagged Do"] == 0, name


def test_the_example_figures_are_the_logo_pictures_and_qr_codes(example):
    alts = [str(f["/Alt"]) for f in figures(read_tags(example["a4-example"]))]
    assert alts == [
        "Test Health Trust logo",
        "A swollen ankle, seen from the side",
        "QR code for www.nhs.uk",  # the call to action's link
        "An ice pack wrapped in a tea towel",
        "QR code for www.nhs.uk/conditions/sprains-and-strains",  # further reading
    ]


def test_callout_icons_still_print(example):
    """Each label has its icon to its left: black, about as large as the label's capitals."""
    path = example["a4-example"]
    labels = {"Good to know", "Ask a pharmacist", "Go to an urgent treatment centre or A&E if:"}
    found = set()
    scale, mm = 2, 72 / 25.4
    document = pypdfium2.PdfDocument(str(path))
    with pdfplumber.open(path) as pdf:
        for number, pdf_page in enumerate(pdf.pages):
            image = document[number].render(scale=scale).to_pil().convert("L")
            for line in pdf_page.extract_text_lines():
                if line["text"] in labels:
                    found.add(line["text"])
                    box = [round(v * scale) for v in (line["x0"] - 10 * mm, line["top"] - 2 * mm,
                                                      line["x0"] - 1 * mm, line["bottom"] + 2 * mm)]
                    grey = image.crop(box).histogram()
                    assert 0.1 < sum(grey[:80]) / sum(grey) < 0.6, line["text"]
    document.close()
    assert found == labels


def test_headings_are_in_order(shipped, example):
    for name, path in every_pdf(shipped, example).items():
        tags = read_tags(path)
        headings = [(int(tags.role(e)[1]), tags.text(e)) for e, _ in tags.elements()
                    if tags.role(e) in ("H1", "H2", "H3", "H4", "H5", "H6")]
        assert headings[0][0] == 1 and [level for level, _ in headings].count(1) == 1, name
        for (before, _), (level, text) in itertools.pairwise(headings):
            assert level <= before + 1, (name, text)  # no level skipped on the way down
        assert all(text for _, text in headings), name


def test_the_example_headings(example):
    tags = read_tags(example["a4-example"])
    headings = [(tags.role(e), tags.text(e)) for e, _ in tags.elements() if tags.role(e).startswith("H")]
    assert headings == [
        ("H1", EXAMPLE_TITLE),
        ("H2", "In this leaflet"),
        ("H2", "Signs of a sprain or strain"),
        ("H2", "What to do for the first few days"),
        ("H3", "Do"),
        ("H3", "Try this order each time"),
        ("H2", "When to get help"),
        ("H2", "Painkillers"),
        ("H3", "Which painkiller to take"),
        ("H3", "For children"),
        ("H2", "When to call 999"),
        ("H2", "Further reading"),
        ("H2", "Sources"),
        ("H2", "About this leaflet"),
        ("H3", "Megan Holloway, BSc (Hons), MCSP"),
        ("H3", "Dr Daniel Osei, MBChB, MRCGP"),
    ]


def test_lists_are_tagged_as_lists(shipped, example):
    for name, path in every_pdf(shipped, example).items():
        tags = read_tags(path)
        for element, parent in tags.elements():
            role = tags.role(element)
            if role == "L":
                kids = [tags.role(k) for k in tags.kids(element) if isinstance(k, DictionaryObject) and "/S" in k]
                assert kids and set(kids) <= {"LI", "L", "Caption"}, (name, kids)
            elif role == "LI":
                assert tags.role(parent) == "L", name
                assert "LBody" in [tags.role(k) for k in tags.kids(element)
                                   if isinstance(k, DictionaryObject) and "/S" in k], name
            elif role in ("LBody", "Lbl"):
                assert tags.role(parent) == "LI", name


def test_the_example_list_items(example):
    tags = read_tags(example["a4-example"])
    items = [tags.text(e) for e, _ in tags.elements() if tags.role(e) == "LBody"]
    for expected in ("rest it as much as you can", "Rest the injured part.",
                     "you heard a crack when you were injured", "you cannot put any weight on it"):
        assert expected in items


def test_language_title_and_marking(shipped, example):
    for name, path in every_pdf(shipped, example).items():
        reader = pypdf.PdfReader(str(path))
        root = reader.trailer["/Root"]
        # A translation's PDF is <stem>.<language>[.large-print]; an Easy Read's, in its leaflet's language,
        # <stem>.easy-read[.large-print].
        stem = name.removesuffix(".large-print").removesuffix(".easy-read")
        assert root["/Lang"] == (stem.rsplit(".", 1)[1] if "." in stem else "en-GB"), name
        # The title bar shows the leaflet's title, not the file name.
        assert root["/ViewerPreferences"]["/DisplayDocTitle"] == BooleanObject(True), name
        assert reader.metadata.title and root["/MarkInfo"]["/Marked"] == BooleanObject(True), name
    assert pypdf.PdfReader(str(example["a4-example"])).metadata.title == EXAMPLE_TITLE
