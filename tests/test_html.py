"""Rendered HTML: golden file for the reference leaflet, escaping and the Markdown subset."""

import os
from pathlib import Path

import pytest

from conftest import MINIMAL, REPO
from publisher.render import html
from publisher.source import content, markdown, markdown_checks

GOLDEN = REPO / "tests" / "golden" / "adhd-neurotransmitter-imaging.html"


def render(project_root: Path, stem: str) -> str:
    project = content.Project(project_root)
    catalogue = content.load_catalogue(project, [project.handouts / f"{stem}.yaml"])
    assert not catalogue.failures and not catalogue.shared_problems
    return html.render_html(catalogue, catalogue.leaflets[0])


def test_reference_leaflet_matches_golden_html():
    """Run with UPDATE_GOLDENS=1 to accept a deliberate change, then review the diff."""
    rendered = render(REPO, "adhd-neurotransmitter-imaging")
    if os.environ.get("UPDATE_GOLDENS"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(rendered, encoding="utf-8")
        # Comparing the file with itself would pass whatever was rendered.
        pytest.fail(f"rewrote {GOLDEN.name} - review the diff, then run again without UPDATE_GOLDENS")
    assert rendered == GOLDEN.read_text(encoding="utf-8")


def test_markup_in_content_prints_literally(project):
    project.leaflet("x", MINIMAL.replace(
        "title: Looking after a sprained ankle",
        "title: \"<script>alert(1)</script> {{ brand.name }} {% if 1 %}x{% endif %}\"").replace(
        "body: Rest your ankle and keep it raised when you can.",
        "body: \"<img src=x onerror=alert(1)> <style>p{}</style> {{ 7 + 7 }}\""))
    page = render(project.root, "x")
    assert "<script>" not in page and "<img src=x" not in page and "<style>p" not in page
    assert "<h1 class=\"title\">&lt;script&gt;alert(1)&lt;/script&gt; {{ brand.name }} {% if 1 %}x{% endif %}</h1>" in page
    assert "&lt;img src=x onerror=alert(1)&gt; &lt;style&gt;p{}&lt;/style&gt; {{ 7 + 7 }}" in page


@pytest.mark.parametrize("text, expected", [
    ("Plain **bold** text.", "<p>Plain <strong>bold</strong> text.</p>\n"),
    ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"),
    ("1. first\n2. second", "<ol>\n<li>first</li>\n<li>second</li>\n</ol>\n"),
    ("[NHS](https://www.nhs.uk/)", '<p><a href="https://www.nhs.uk/">NHS</a></p>\n'),
    ("#hashtag", "<p>#hashtag</p>\n"),
    ("### Sub-heading", "<h3>Sub-heading</h3>\n"),
    ("| A | B |\n| - | - |\n| 1 | 2 |",
     '<table class="table">\n<thead>\n<tr>\n<th scope="col">A</th>\n<th scope="col">B</th>\n</tr>\n</thead>\n'
     "<tbody>\n<tr>\n<td>1</td>\n<td>2</td>\n</tr>\n</tbody>\n</table>\n"),
    ("![x](https://example.org/x.png)", '<p>!<a href="https://example.org/x.png">x</a></p>\n'),
    ("reward\u2011driven", '<p>reward<span class="nobreak">-</span>driven</p>\n'),
])
def test_markdown_subset(text, expected):
    assert markdown.to_html(text) == expected


@pytest.mark.parametrize("text, problem", [
    ("*soft*", "italics ('*text*') are hard to read in print - use **bold** for emphasis"),
    ("[x](file:///etc/passwd)", "link target 'file:///etc/passwd' is not allowed - use a full https:// address, mailto: or tel:"),
    ("[x](data:text/html,hi)", "link target 'data:text/html,hi' is not allowed - use a full https:// address, mailto: or tel:"),
    ("[x](/relative)", "link target '/relative' is not allowed - use a full https:// address, mailto: or tel:"),
])
def test_markdown_refusals(text, problem):
    assert markdown_checks.problems(text) == [problem]


def test_refused_link_is_never_rendered_even_unvalidated():
    assert 'href="javascript' not in markdown.to_html("[x](javascript:alert(1))")
