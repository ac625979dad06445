"""Which labels the templates, brand.yaml and the tool's code print: the .pot, and `make messages` updating every .po."""

from __future__ import annotations

import datetime
import io
import sys
from pathlib import Path

from babel.messages import Catalog, extract, pofile

from publisher.core import caches
from publisher.core.files import CODE
from publisher.i18n.catalogues import DOMAIN, TEMPLATE, available, find, read

# Python code marks labels with N_ (and translates them where printed); templates use _, gettext and ngettext.
KEYWORDS: dict[str, dict] = {"python": {"N_": None, "_": None}, "jinja2": {"_": None, "gettext": None, "ngettext": (1, 2)}}

_extracted: dict = {}
caches.register(_extracted.clear)


def _method_map() -> list:
    return [("**/*.html", "jinja2"), ("**/*.txt", "jinja2")]


_JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "trimmed": "true"}


def extracted(root: Path) -> Catalog:
    """Every label the project's templates and the tool's code print, as a catalogue template (the .pot).

    Deterministic: messages sorted, locations without line numbers, no creation date.
    """
    key = str(root)
    if key in _extracted:
        return _extracted[key]
    catalog = Catalog(project="leaflets", version="1", domain=DOMAIN, header_comment=_POT_HEADER,
                      charset="utf-8", fuzzy=False, creation_date=datetime.datetime(2026, 11, 25),
                      revision_date=datetime.datetime(2026, 11, 25), msgid_bugs_address="")
    sources: list[tuple[str, Path, str]] = []
    templates = Path(root) / "templates"
    for pattern, method in _method_map():
        sources += [("templates/" + p.relative_to(templates).as_posix(), p, method)
                    for p in templates.glob(pattern) if p.is_file()]
    # Only modules that mark a label are tokenised: extraction is slow, and most modules print none.
    sources += [(f"publisher/{p.relative_to(CODE).as_posix()}", p, "python") for p in sorted(CODE.rglob("*.py"))
                if "N_(" in p.read_text("utf-8")]
    for shown, path, method in sorted(sources):
        options = _JINJA_OPTIONS if method == "jinja2" else {}
        with open(path, "rb") as handle:
            for _line, message, comments, context in extract.extract(method, handle, KEYWORDS[method], ["TRANSLATORS:"], options,
                                                                     strip_comment_tags=True):
                catalog.add(message, None, [(shown, 0)], auto_comments=comments, context=context)
    _extracted[key] = catalog
    return catalog


_POT_HEADER = """\
# The labels the leaflet publisher prints (templates/ and publisher/; brand.yaml translates its own texts).
# Made by `make messages`; do not edit by hand: translate in locales/<lang>/LC_MESSAGES/leaflets.po."""


def pot_text(catalog: Catalog) -> bytes:
    """The .pot file's bytes, the same for the same labels."""
    buffer = io.BytesIO()
    pofile.write_po(buffer, catalog, width=100, sort_output=True, include_lineno=False, omit_header=False)
    return buffer.getvalue()


def update(root: Path) -> list[Path]:
    """`make messages`: write locales/leaflets.pot from the templates and code, and bring every .po up to date."""
    root = Path(root)
    template = extracted(root)
    written = []
    pot = root / TEMPLATE
    pot.parent.mkdir(parents=True, exist_ok=True)
    pot.write_bytes(pot_text(template))
    written.append(pot)
    for tag in available(root):
        path = find(root, tag)
        assert path is not None
        catalog = read(path)
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        buffer = io.BytesIO()
        pofile.write_po(buffer, catalog, width=100, sort_output=True, include_lineno=False,
                        ignore_obsolete=True, include_previous=False)
        path.write_bytes(buffer.getvalue())
        written.append(path)
    caches.clear()
    return written


def needed(root: Path) -> Catalog:
    """The labels a render may print: the project's .pot, or, in a project without one, extracted afresh.

    The committed .pot is read because extracting takes most of a second; a test keeps it in step with the
    templates, and a label missing from it still fails at render time (MissingLabel), never printing English.
    """
    pot = Path(root) / TEMPLATE
    if not pot.is_file():
        return extracted(Path(root))
    key = str(pot)
    if key not in _extracted:
        _extracted[key] = read(pot)
    return _extracted[key]


def main(argv: list[str] | None = None) -> int:
    """`python -m publisher.i18n [PROJECT]`: extract the labels and update the catalogues (make messages)."""
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0] if args else ".").resolve()
    for path in update(root):
        print(f"wrote {path.relative_to(root).as_posix()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
