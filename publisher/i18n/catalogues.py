"""The labels the tool prints, in a leaflet's language: gettext catalogues read from locales/<lang>/LC_MESSAGES/leaflets.po.

English is the source language: its labels are the message ids themselves and
need no catalogue. Any other language needs a complete catalogue: a label with no
translation (or a fuzzy one) is an error, never a silent English fallback.
"""

from __future__ import annotations

import dataclasses
import datetime
import gettext
import io
import re
import sys
import unicodedata
from pathlib import Path

import jinja2
import markupsafe
from babel import Locale, UnknownLocaleError, dates
from babel.core import parse_locale
from babel.messages import Catalog, extract, mofile, pofile

from publisher.core import caches
from publisher.core.errors import Problem
from publisher.core.files import CODE

DOMAIN = "leaflets"
LOCALES = "locales"  # the folder in the project
TEMPLATE = f"{LOCALES}/{DOMAIN}.pot"
SOURCE_LANGUAGE = "en"
# Python code marks labels with N_ (and translates them where printed); templates use _, gettext and ngettext.
KEYWORDS: dict[str, dict] = {"python": {"N_": None, "_": None}, "jinja2": {"_": None, "gettext": None, "ngettext": (1, 2)}}

# CLDR numbering systems (a locale's default digits) and the CSS counter style that prints them.
_DIGITS = {"arab": 0x0660, "arabext": 0x06F0, "beng": 0x09E6, "deva": 0x0966}
_COUNTER_STYLES = {"arab": "arabic-indic", "arabext": "persian", "beng": "bengali", "deva": "devanagari"}


def N_(message: str) -> str:
    """Mark a label in Python code for extraction; it is translated where it is printed."""
    return message


class MissingLabel(jinja2.TemplateRuntimeError):
    """A label asked for in a language whose catalogue lacks it (validation reports these before rendering)."""


def folder_names(tag: str) -> list[str]:
    """The catalogue folders that may hold a BCP 47 tag's labels, most specific first: zh-Hans-CN -> zh_Hans_CN, zh_Hans, zh."""
    language, territory, script = parse_locale(tag.replace("_", "-"), sep="-")[:3]
    names = [f"{language}_{script}_{territory}" if script and territory else None,
             f"{language}_{script}" if script else None, f"{language}_{territory}" if territory else None, language]
    return list(dict.fromkeys(n for n in names if n))


def is_source(tag: str) -> bool:
    """Whether a language is the one the labels are written in (any English), which needs no catalogue."""
    try:
        return folder_names(tag)[-1] == SOURCE_LANGUAGE
    except ValueError:
        return False


def catalogue_path(root: Path, name: str) -> Path:
    """Where the catalogue of one folder name lives."""
    return Path(root) / LOCALES / name / "LC_MESSAGES" / f"{DOMAIN}.po"


def available(root: Path) -> list[str]:
    """The languages that have a catalogue, as BCP 47 tags (zh_Hans -> zh-Hans), sorted."""
    folder = Path(root) / LOCALES
    found = [p.parent.parent.name for p in folder.glob(f"*/LC_MESSAGES/{DOMAIN}.po")] if folder.is_dir() else []
    return sorted(name.replace("_", "-") for name in found)


def find(root: Path, tag: str) -> Path | None:
    """The catalogue file for a language, or None (English never has one)."""
    if is_source(tag):
        return None
    for name in folder_names(tag):
        if catalogue_path(root, name).is_file():
            return catalogue_path(root, name)
    return None


def read(path: Path) -> Catalog:
    """A .po file parsed by Babel (the fuzzy header included, so nothing is dropped silently)."""
    with open(path, "rb") as handle:
        return pofile.read_po(handle, domain=DOMAIN, abort_invalid=True)


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return bool(message.id) and not message.fuzzy and all(strings)


@dataclasses.dataclass
class Labels:
    """Everything a template needs to print the tool's own text in one language: gettext, dates, numbers."""

    language: str  # the BCP 47 tag as the leaflet gives it
    locale: Locale
    translations: gettext.NullTranslations
    known: frozenset | None  # message ids with a translation; None for the source language (every id is its own)
    catalogue: str = ""  # the catalogue file, as shown in messages
    root: str = ""  # the project's folder, where other languages' catalogues are found

    @property
    def name(self) -> str:
        """The language's name in English, for messages ('Welsh')."""
        return self.locale.english_name or self.language

    @property
    def numbering(self) -> str:
        """The CLDR numbering system of the language's digits ('latn', 'arab', 'beng' ...)."""
        return self.locale.default_numbering_system if self.locale.default_numbering_system in _DIGITS else "latn"

    @property
    def counter_style(self) -> str:
        """The CSS counter style that prints page numbers in the language's digits."""
        return _COUNTER_STYLES.get(self.numbering, "decimal")

    def _check(self, message: str) -> None:
        if self.known is not None and message not in self.known:
            raise MissingLabel(f"no {self.name} translation of the label \"{message}\" - add it to "
                               f"{self.catalogue}, or run make messages")

    def gettext(self, message: str) -> str:
        """One label in this language."""
        self._check(message)
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """A label that depends on a count, with the language's plural rules."""
        self._check(singular)
        return self.translations.ngettext(singular, plural, n)

    def digits(self, text: str) -> str:
        """ASCII digits written in the language's own digits (Babel formats dates with ASCII ones)."""
        zero = _DIGITS.get(self.numbering)
        return text if zero is None else text.translate({48 + i: zero + i for i in range(10)})

    def date(self, value: str | datetime.date) -> str:
        """A date in the language's long form: '25 November 2026', '25 Tachwedd 2026', '2026年11月25日'."""
        day = datetime.date.fromisoformat(value) if isinstance(value, str) else value
        # en_GB's long form is exactly what NHS style guides ask for ("1 March 2026").
        return self.digits(dates.format_date(day, "long", locale=self.locale))

    def number(self, value: int) -> str:
        """A whole number in the language's digits."""
        return self.digits(str(value))

    def listed(self, *parts: str) -> str:
        """Parts joined by the language's list separator ("سلمى حداد، ماجستير", "张伟、医学硕士"); Latin-script
        parts, as an English name and its credentials in any leaflet, keep the Latin comma."""
        parts = tuple(str(p) for p in parts if p)
        letters = [c for c in "".join(parts) if c.isalpha()]
        latin = all(unicodedata.name(c, "").startswith("LATIN") for c in letters)
        return (", " if latin else str(self.gettext(", "))).join(parts)

    def css_string(self, text: str) -> markupsafe.Markup:
        """Text as a quoted CSS string, for generated content filled in by a template's <style> block."""
        return css_string(text)

    def parts(self, translated: str, **counters: str) -> markupsafe.Markup:
        """A translated label with %(name)s places as CSS content: strings around counter() calls.

        'Page %(page)s of %(pages)s' gives '"Page " counter(page) " of " counter(pages)', so a
        language may put the numbers in any order and any words around them.
        """
        out = []
        for piece in re.split(r"(%\([a-z]+\)s)", str(translated)):
            name = piece[2:-2] if piece.startswith("%(") else None
            if name:
                out.append(counters[name])
            elif piece:
                out.append(css_string(piece.replace("%%", "%")))
        return markupsafe.Markup(" ".join(out))

    def other(self, tag: str) -> Labels:
        """The labels of another language from the same project, e.g. English beside Welsh in a bilingual edition."""
        return labels(Path(self.root), tag)


@dataclasses.dataclass
class Both(Labels):
    """Two languages' labels at once, first / second ("Cyhoeddwyd / Published"): a bilingual edition's shared parts."""

    second: Labels | None = None

    @classmethod
    def of(cls, first: Labels, second: Labels) -> Both:
        """The labels of `first` followed by those of `second`."""
        return cls(first.language, first.locale, first.translations, first.known, first.catalogue, first.root, second)

    def _join(self, one: str, two: str) -> str:
        return one if one == two else f"{one} / {two}"

    def gettext(self, message: str) -> str:
        """The label in both languages, or once where they agree ("Email:", a list comma)."""
        assert self.second is not None
        return self._join(super().gettext(message), self.second.gettext(message))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """A counted label in both languages."""
        assert self.second is not None
        return self._join(super().ngettext(singular, plural, n), self.second.ngettext(singular, plural, n))

    def date(self, value: str | datetime.date) -> str:
        """A date in both languages' long forms: '1 Mawrth 2026 / 1 March 2026'."""
        assert self.second is not None
        return self._join(super().date(value), self.second.date(value))

    def _marked(self, one: str, two: str) -> markupsafe.Markup:
        assert self.second is not None
        if one == two:
            return markupsafe.escape(one)
        return markupsafe.Markup('<span lang="{}">{}</span> / <span lang="{}">{}</span>').format(
            self.language, one, self.second.language, two)

    def marked(self, message: str) -> markupsafe.Markup:
        """The label in both languages as HTML, each half in a <span lang>, so the PDF tags each with its language.

        For element content only; an attribute or CSS string takes gettext's plain text.
        """
        assert self.second is not None
        return self._marked(super().gettext(message), self.second.gettext(message))

    def marked_date(self, value: str | datetime.date) -> markupsafe.Markup:
        """A date in both languages as HTML, each half in a <span lang>."""
        assert self.second is not None
        return self._marked(super().date(value), self.second.date(value))


def css_string(text: str) -> markupsafe.Markup:
    """A CSS string literal holding `text`: anything but letters, digits and spaces as a hex escape."""
    # Escaping everything else keeps a translation from closing the string or the <style> element. The space
    # after each escape ends it (and is not part of the text), so a following space or digit stays itself.
    return markupsafe.Markup('"' + "".join(c if c.isalnum() and c.isascii() or c == " " else f"\\{ord(c):06x} "
                                           for c in text) + '"')


def current_labels(context) -> Labels:
    """The labels of the language being rendered: the context's `labels`, which a template may rebind with `with`."""
    found = context.get("labels")
    if not isinstance(found, Labels):
        raise MissingLabel("a template printed a label with no language chosen - render it with "
                           "labels=i18n.labels(root, language) in its context")
    return found


@jinja2.pass_context
def _gettext(__context, __string: str, **variables):
    rv = current_labels(__context).gettext(__string)
    if __context.eval_ctx.autoescape:
        rv = markupsafe.Markup(rv)  # the label is trusted like the template; the variables are escaped
    return rv % variables if variables else rv


@jinja2.pass_context
def _ngettext(__context, __singular: str, __plural: str, __num: int, **variables):
    variables.setdefault("num", __num)
    rv = current_labels(__context).ngettext(__singular, __plural, __num)
    if __context.eval_ctx.autoescape:
        rv = markupsafe.Markup(rv)
    return rv % variables


def install(env: jinja2.Environment) -> jinja2.Environment:
    """Jinja2's i18n extension, its `_`, `gettext` and `ngettext` printing in the language of the context's `labels`.

    A template prints a label with {{ _("Written by") }} or {% trans %}; a part of it in another
    language is rendered inside {% with labels=labels.other("en-GB") %} ... {% endwith %}.
    """
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True  # as extraction does (_JINJA_OPTIONS)
    # New-style gettext (variables as keyword arguments, escaped); ours leave a label with no variables
    # unformatted, so "Page %(page)s of %(pages)s" reaches Labels.parts() intact.
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    env.globals.update(_=_gettext, gettext=_gettext, ngettext=_ngettext)
    return env


_labels: dict = {}
_extracted: dict = {}
_missing_cache: dict = {}
for _cache in (_labels, _extracted, _missing_cache):
    caches.register(_cache.clear)


def _compiled(path: Path) -> tuple[gettext.GNUTranslations, frozenset]:
    """A .po file compiled in memory to a .mo (never written) and read by gettext, with its translated ids."""
    catalog = read(path)
    buffer = io.BytesIO()
    mofile.write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer), frozenset(m.id if isinstance(m.id, str) else m.id[0]
                                                      for m in catalog if _translated(m))


def labels(root: Path, tag: str) -> Labels:
    """The labels of one language, from the project's catalogue (loaded once per process).

    Raises LookupError when the language has no catalogue; validation reports that first.
    """
    root = Path(root)
    key = (str(root), tag)
    if key not in _labels:
        try:
            locale = Locale.parse(tag.replace("_", "-"), sep="-")
        except (ValueError, UnknownLocaleError):
            raise LookupError(f"'{tag}' is not a language Babel knows")
        if is_source(tag):
            _labels[key] = Labels(tag, locale, gettext.NullTranslations(), None, "", str(root))
        else:
            path = find(root, tag)
            if path is None:
                raise LookupError(f"no catalogue of labels for '{tag}'")
            translations, known = _compiled(path)
            _labels[key] = Labels(tag, locale, translations, known, path.relative_to(root).as_posix()
                                  if path.is_relative_to(root) else str(path), str(root))
    return _labels[key]


# -- extraction: which labels the templates and the tool's code print ------------------------------------


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


# -- validation: a leaflet's language has a catalogue, and the catalogue every label ----------------------


_WHAT = {
    "absent": ("is not in the {name} catalogue", "run make messages, then translate it"),
    "empty": ("no {name} translation", "add a msgstr, or run make messages"),
    "fuzzy": ("the {name} translation is marked fuzzy (not checked)", "check the msgstr and remove its '#, fuzzy' line"),
    "places": ("the {name} translation has {found} where the label has {wanted}",
               "keep each placeholder of the msgid, exactly as written, in the msgstr"),
}

# %(name)s in Python-format labels, {name} in the email subject's.
_PLACEHOLDER = re.compile(r"%\([A-Za-z_]+\)s|\{[A-Za-z_]+\}")


def placeholders(text: str) -> list[str]:
    """The placeholders of a label, sorted: a translation must have the same ones (or rendering would fail)."""
    return sorted(_PLACEHOLDER.findall(text))


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


def _missing(root: Path, path: Path) -> list[tuple[int, str, str, str, str]]:
    """(line in the .po, message id, which problem, placeholders found, wanted) for every label the catalogue lacks."""
    catalog = read(path)
    out = []
    for message in needed(Path(root)):
        if not message.id:  # the header
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        found = catalog.get(message.id, context=message.context)
        if found is None:
            out.append((1, msgid, "absent", "", ""))
        elif found.fuzzy:
            out.append((found.lineno or 1, msgid, "fuzzy", "", ""))
        elif not _translated(found):
            out.append((found.lineno or 1, msgid, "empty", "", ""))
        else:
            strings = found.string if isinstance(found.string, (list, tuple)) else [found.string]
            for string in strings:
                if placeholders(string or "") != placeholders(msgid):
                    out.append((found.lineno or 1, msgid, "places", " ".join(placeholders(string or "")) or "none",
                                " ".join(placeholders(msgid)) or "none"))
                    break
    return out


def problems(root: Path, leaflet_name: str, tag, where: tuple[int, int]) -> list[Problem]:
    """Errors for a leaflet whose language has no catalogue, or a catalogue missing labels (none for English)."""
    if not isinstance(tag, str) or is_source(tag):
        return []
    root = Path(root)
    try:
        locale = Locale.parse(tag.replace("_", "-"), sep="-")
    except (ValueError, UnknownLocaleError):
        return [Problem(leaflet_name, *where, "language", f"'{tag}' is not a language the tool knows (CLDR) - "
                                                          "use a BCP 47 tag such as en-GB, cy or zh-Hans")]
    path = find(root, tag)
    if path is None:
        have = ", ".join(available(root)) or "none"
        return [Problem(leaflet_name, *where, "language",
                        f"no catalogue of labels for '{tag}' ({locale.english_name}); catalogues: {have} (English "
                        f"needs none) - add {LOCALES}/{folder_names(tag)[-1]}/LC_MESSAGES/{DOMAIN}.po, as the README's "
                        "'Languages of the labels' says")]
    shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    key = (str(root), str(path))
    try:
        if key not in _missing_cache:
            _missing_cache[key] = _missing(root, path)
    except (OSError, pofile.PoFileError, ValueError) as exc:
        return [Problem(shown, 1, 1, "", f"cannot read the catalogue ({exc}), needed by {leaflet_name} - fix the .po file")]
    out = []
    for line, msgid, kind, found, wanted in _missing_cache[key]:
        what, fix = _WHAT[kind]
        said = what.format(name=locale.english_name, found=found, wanted=wanted)
        out.append(Problem(shown, line, 1, f'msgid "{msgid}"', f"{said}, needed by {leaflet_name} - {fix}"))
    return out


def main(argv: list[str] | None = None) -> int:
    """`python -m publisher.i18n.catalogues [PROJECT]`: extract the labels and update the catalogues (make messages)."""
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0] if args else ".").resolve()
    for path in update(root):
        print(f"wrote {path.relative_to(root).as_posix()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
