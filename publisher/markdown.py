"""The Markdown subset allowed in text fields: paragraphs, bold, links and lists."""

from __future__ import annotations

import html
import re

from markdown_it import MarkdownIt
from markupsafe import Markup

# Raw HTML is off: anything that looks like a tag prints as text.
_md = MarkdownIt("zero", {"html": False, "typographer": False}).enable(
    ["list", "emphasis", "link", "escape", "newline"]
)
# We check every link against our own allow-list below, so let markdown-it
# tokenise them all instead of silently printing refused ones as text.
_md.validateLink = lambda url: True

ALLOWED_LINK = re.compile(r"(https?://\S+|mailto:[^\s@]+@\S+|tel:[0-9+() -]+)\Z")

# Atkinson Hyperlegible has no non-breaking hyphen (U+2011): print a plain
# hyphen that the line-breaker may not split, instead of a fallback font glyph.
_NB_HYPHEN = "\u2011"
_NB_HYPHEN_HTML = '<span class="nobreak">-</span>'


# Lists and emphasis inside one another; far past any real leaflet, and far below the depth
# at which WeasyPrint's layout recurses out of stack (20,000 nested '**' did).
MAX_NESTING = 32


def _depth(tokens) -> int:
    """How deeply the blocks and inline markup of a parsed text nest."""
    deepest = depth = 0
    for token in tokens:
        depth += token.nesting
        inner = 0
        for child in token.children or ():
            inner += child.nesting
            deepest = max(deepest, depth + inner)
        deepest = max(deepest, depth)
    return deepest


def problems(text: str) -> list[str]:
    """What in `text` falls outside the allowed subset, as messages."""
    tokens = _md.parse(text)
    if _depth(tokens) > MAX_NESTING:
        return [f"bold, links and lists are nested more than {MAX_NESTING} deep - a leaflet needs far fewer levels"]
    found = []
    for token in _walk(tokens):
        if token.type == "em_open" and token.markup in ("*", "_"):
            found.append(f"italics ('{token.markup}text{token.markup}') are hard to read in print - use **bold** for emphasis")
        elif token.type == "link_open":
            href = token.attrGet("href") or ""
            if not ALLOWED_LINK.match(href):
                found.append(f"link target '{href}' is not allowed - use a full https:// address, mailto: or tel:")
    return list(dict.fromkeys(found))


def _walk(tokens):
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


def links(text: str) -> list[str]:
    """Every link target in `text`, in order, without repeats."""
    return list(dict.fromkeys(t.attrGet("href") for t in _walk(_md.parse(text)) if t.type == "link_open"))


def to_html(text: str) -> Markup:
    """Render a validated text field to HTML."""
    tokens = _md.parse(text)
    for token in _walk(tokens):
        if token.type == "link_open" and not ALLOWED_LINK.match(token.attrGet("href") or ""):
            # Validation refuses these; never let one through if it is skipped.
            token.attrSet("href", "")
    rendered = _md.renderer.render(tokens, _md.options, {})
    return Markup(rendered.replace(_NB_HYPHEN, _NB_HYPHEN_HTML))


def inline_html(text: str) -> Markup:
    """Escape plain text (titles, headings) with the same character handling."""
    return Markup(html.escape(text, quote=False).replace(_NB_HYPHEN, _NB_HYPHEN_HTML))


def plain(text: str) -> str:
    """Text without Markdown syntax, for PDF metadata."""
    out = []
    for token in _walk(_md.parse(text)):
        if token.type == "text":
            out.append(token.content)
        elif token.type in ("softbreak", "hardbreak", "paragraph_close"):
            out.append(" ")
    return re.sub(r"\s+", " ", "".join(out)).strip()


def blocks(text: str) -> list[str]:
    """Plain text of each paragraph and list item, without Markdown syntax, for readability checks."""
    found = []
    for token in _md.parse(text):
        if token.type == "inline":
            found.append(" ".join(child.content for child in token.children if child.type == "text").strip())
    return [block for block in found if block]
