"""The labels the tool prints, in a leaflet's language: gettext catalogues read from locales/<lang>/LC_MESSAGES/leaflets.po.

English is the source language: its labels are the message ids themselves and
need no catalogue. Any other language needs a complete catalogue: a label with no
translation (or a fuzzy one) is an error, never a silent English fallback
(publisher/i18n/checks.py reports it before rendering). Making the catalogues is
publisher/i18n/extraction.py; dates and digits publisher/i18n/numbering.py.
"""

from __future__ import annotations

import dataclasses
import datetime
import gettext
import io
import re
import unicodedata
from pathlib import Path

import jinja2
import markupsafe
from babel import Locale, UnknownLocaleError
from babel.core import parse_locale
from babel.messages import Catalog, mofile, pofile

from publisher.core import caches
from publisher.i18n import numbering

DOMAIN = "leaflets"
LOCALES = "locales"  # the folder in the project
TEMPLATE = f"{LOCALES}/{DOMAIN}.pot"
SOURCE_LANGUAGE = "en"


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


def translated(message) -> bool:
    """Whether a catalogue's message has a checked translation (every plural form, not fuzzy)."""
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
        return numbering.numbering(self.locale)

    @property
    def counter_style(self) -> str:
        """The CSS counter style that prints page numbers in the language's digits."""
        return numbering.counter_style(self.numbering)

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
        return numbering.digits(self.numbering, text)

    def date(self, value: str | datetime.date) -> str:
        """A date in the language's long form: '25 November 2026', '25 Tachwedd 2026', '2026年11月25日'."""
        return self.digits(numbering.long_date(self.locale, value))

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
caches.register(_labels.clear)


def _compiled(path: Path) -> tuple[gettext.GNUTranslations, frozenset]:
    """A .po file compiled in memory to a .mo (never written) and read by gettext, with its translated ids."""
    catalog = read(path)
    buffer = io.BytesIO()
    mofile.write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer), frozenset(m.id if isinstance(m.id, str) else m.id[0]
                                                      for m in catalog if translated(m))


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
