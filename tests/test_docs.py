"""The documentation: a short front door, every page listed, every link and anchor leading somewhere."""

import re
import shutil
from pathlib import Path

from conftest import REPO

from publisher.cli import main as cli
from publisher.govern import rules
from publisher.outputs import base as outputs

README = REPO / "README.md"
DOCS = REPO / "docs"
MAX_README_LINES = 400
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
CODE_SPAN = re.compile(r"`[^`]*`")


def prose(path: Path) -> list[tuple[int, str]]:
    """The lines of a Markdown file outside fenced code blocks, with their numbers."""
    lines, fenced = [], False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced:
            lines.append((number, line))
    return lines


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: its text, lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip()).lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every heading anchor of a Markdown file, a repeated heading numbered as GitHub numbers it."""
    seen: dict[str, int] = {}
    found = set()
    for _, line in prose(path):
        heading = re.match(r"#{1,6} (.+)", line)
        if heading:
            base = slug(heading.group(1))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def broken_links(path: Path, root: Path = REPO) -> list[str]:
    """Each relative link of a Markdown file whose file, or heading anchor in it, does not exist."""
    broken = []
    for number, line in prose(path):
        for target in LINK.findall(CODE_SPAN.sub("", line)):
            if re.match(r"[a-z]+:", target):  # https:, mailto: ... are not checked here (no network)
                continue
            name, _, anchor = target.partition("#")
            linked = (path.parent / name).resolve() if name else path
            where = f"{path.relative_to(root)}:{number}"
            if not linked.exists():
                broken.append(f"{where}: {target}: no such file")
            elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
                broken.append(f"{where}: {target}: no heading with that anchor")
    return broken


def pages() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def test_the_readme_is_a_short_front_door():
    lines = len(README.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_README_LINES, f"README.md has {lines} lines - move detail to a page in docs/"


def test_every_relative_link_leads_to_a_file_and_heading():
    assert [problem for page in pages() for problem in broken_links(page)] == []


def test_the_link_check_finds_a_missing_file_and_a_missing_heading(tmp_path):
    (tmp_path / "docs").mkdir()
    page = tmp_path / "docs" / "page.md"
    page.write_text("# A page\n\n## Where to add a format\n\n[ok](#where-to-add-a-format) [x](#nowhere)\n"
                    "```\n[in code](missing.md)\n```\n[gone](gone.md) `[code](gone.md)` [web](https://example.org)\n",
                    encoding="utf-8")
    assert broken_links(page, tmp_path) == ["docs/page.md:5: #nowhere: no heading with that anchor",
                                  "docs/page.md:9: gone.md: no such file"]


def test_anchors_are_the_ones_github_makes():
    assert slug("Bilingual Welsh/English edition") == "bilingual-welshenglish-edition"
    assert slug("`build.py serve`: a live preview for authors") == "buildpy-serve-a-live-preview-for-authors"
    assert slug("8. What the desk offers, links and roles") == "8-what-the-desk-offers-links-and-roles"


def test_the_index_lists_every_page_and_the_readme_links_the_index():
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"\]\(([\w.-]+\.md)\)", index))
    assert sorted(p.name for p in DOCS.glob("*.md") if p.name != "README.md" and p.name not in listed) == []
    assert "](docs/README.md)" in README.read_text(encoding="utf-8")


def test_every_governance_rule_and_format_is_documented():
    governance = (DOCS / "governance.md").read_text(encoding="utf-8")
    formats = (DOCS / "formats.md").read_text(encoding="utf-8")
    assert [rule for rule in rules.RULES if f"`{rule}`" not in governance] == []
    assert [name for name in outputs.REGISTRY if f"`{name}`" not in formats] == []


def test_the_architecture_page_names_every_sub_package_of_the_planned_layout():
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    stages = ["core", "i18n", "source", "govern", "render", "outputs", "build", "mail", "site", "desk", "cli"]
    assert [stage for stage in stages if f"`{stage}/`" not in text] == []


def fenced(text: str, after: str, language: str = "") -> str:
    """The first fenced code block in `text` after the line `after`."""
    start = text.index(f"```{language}\n", text.index(after)) + len(language) + 4
    return text[start:text.index("```", start)]


def test_the_readme_leaflet_checks_clean_and_its_mistakes_read_as_the_readme_shows(tmp_path, capsys):
    readme = README.read_text(encoding="utf-8")
    for name in ("brand.yaml", "people.yaml", "plain-words.yaml"):
        shutil.copy(REPO / name, tmp_path / name)
    for folder in ("schema", "templates", "styles", "locales"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    leaflet = tmp_path / "handouts" / "looking-after-your-back.yaml"
    leaflet.parent.mkdir()
    leaflet.write_text(fenced(readme, "## What a leaflet looks like", "yaml"), encoding="utf-8")
    check = ["check", "--project", str(tmp_path), "--today", "2026-11-25"]
    assert cli.main(check) == 0
    assert capsys.readouterr().out == "1 leaflet checked, 1 valid: 0 errors, 0 warnings, 0 waived.\n"

    text = leaflet.read_text(encoding="utf-8")
    leaflet.write_text(text.replace("summary:", "sumary:").replace("[daniel-osei]", "[daniel-ossei]"), encoding="utf-8")
    assert cli.main(check) == 1
    shown = fenced(readme, "with `summary` misspelt").splitlines()
    out, err = capsys.readouterr()
    assert (out + err).splitlines()[:-1] == shown[:-1] and len(shown) == 4
