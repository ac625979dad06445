"""Clinical governance: the checkable rules of ../shared/leaflet-standards.md, run by `check` and before every build."""

from __future__ import annotations

import dataclasses
import datetime
import re

from publisher.core import editions
from publisher.core.errors import Diagnostic, policy
from publisher.govern import plainwords, readability

# The rules are listed in rules.py, which validation reads too (for waivers); they stay importable from here.
from publisher.govern.rules import (
    DEFAULT_GRACE_DAYS,
    DEFAULT_THRESHOLDS,
    DUE_SOON_DAYS,
    EASY_READ_WORDS,
    MAX_REVIEW_YEARS,
    PROJECT_RULES,
    RULES,
    WAIVABLE,
)
from publisher.i18n import languages
from publisher.source import easyread, markdown
from publisher.source.content import Leaflet, Project

__all__ = ["DEFAULT_GRACE_DAYS", "DEFAULT_THRESHOLDS", "DUE_SOON_DAYS", "MAX_REVIEW_YEARS", "PROJECT_RULES", "RULES", "WAIVABLE",
           "Finding", "Review", "add_date_findings", "check_styles", "review", "thresholds"]


Finding = Diagnostic  # a governance finding names its rule


@dataclasses.dataclass
class Review:
    """Everything `check` says about one leaflet."""

    leaflet: Leaflet
    findings: list
    reading_ease: float | None  # None: no validated formula for the leaflet's language
    reading_age: float | None

    def count(self, level: str) -> int:
        return sum(f.level == level for f in self.findings)


def thresholds(brand: dict | None) -> dict:
    return {**DEFAULT_THRESHOLDS, **((brand or {}).get("readability") or {})}


def grace_days(brand: dict | None) -> int:
    """How long a translation may lag behind a new version of its source: the brand's setting, else the default."""
    return (brand or {}).get("translation_grace_days", DEFAULT_GRACE_DAYS)


@dataclasses.dataclass(frozen=True)
class Currency:
    """Whether a translation says what its source says now."""

    made_from: str  # the source version it was translated from
    current: str  # the source's version now
    since: datetime.date  # when the source's current version was approved (its last review)
    deadline: datetime.date  # the last day a stale translation still builds

    @property
    def up_to_date(self) -> bool:
        from publisher.source.content import version_key
        return version_key(self.made_from) >= version_key(self.current)


def currency(leaflet: Leaflet, brand: dict | None) -> Currency | None:
    """A translation's currency against its source; None for a leaflet that is not a translation."""
    original = leaflet.original
    if original is None:
        return None
    # `published` is when the leaflet first came out; a new version comes out of a review,
    # so the source's last_reviewed is when its current version took effect.
    since = datetime.date.fromisoformat(original.data["dates"]["last_reviewed"])
    return Currency(leaflet.data["source_version"], original.data["version"], since,
                    since + datetime.timedelta(days=grace_days(brand)))


def _stale(leaflet: Leaflet, brand: dict | None, today: datetime.date) -> Finding | None:
    """translation-stale: a warning while the source's new version is recent, an error after the grace days."""
    state = currency(leaflet, brand)
    if state is None or state.up_to_date:
        return None
    assert leaflet.source is not None and leaflet.original is not None
    mark = leaflet.source.mark(("source_version",))
    source = leaflet.original.name
    days = grace_days(brand)
    if leaflet.easy_read_of:
        rule, made, what = "easy-read-stale", "written", "Easy Read"
        fix = f"write the changes into the Easy Read and set source_version: \"{state.current}\""
    else:
        rule, made, what = "translation-stale", "translated", "translation"
        fix = (f"translate the changes into {languages.name(leaflet.language)} and set source_version: "
               f"\"{state.current}\"")
    if today > state.deadline:
        message = (f"{made} from version {state.made_from} of {source}, which has been at version {state.current} "
                   f"since {state.since}, more than {days} days (translation_grace_days) - {fix}, or withdraw the "
                   f"{what}")
        return Finding(leaflet.name, mark.line, mark.column, "", message, "error", rule)
    message = (f"{made} from version {state.made_from} of {source}, which is now at version {state.current} "
               f"(since {state.since}) - {fix}; from {state.deadline + datetime.timedelta(days=1)} this is an error "
               f"(translation_grace_days: {days})")
    return Finding(leaflet.name, mark.line, mark.column, "", message, "warning", rule)


def review(leaflet: Leaflet, brand: dict | None, today: datetime.date,
           words: plainwords.Words = plainwords.NONE) -> Review:
    """Run every leaflet rule (plain-words with the project's `words`); waived findings stay in the list, marked."""
    data, source = leaflet.data, leaflet.source
    assert source is not None  # every validated leaflet keeps where its values were written
    limits = thresholds(brand)
    found: list[Finding] = []

    def add(rule, path, message):
        mark = source.mark(path)
        found.append(Finding(leaflet.name, mark.line, mark.column, "", message, RULES[rule][0], rule))

    _date_findings(add, data, today)
    waivers = data.get("waivers", {})
    _source_findings(leaflet, add, found, waivers)
    stale = _stale(leaflet, brand, today)
    if stale:
        found.append(stale)
    texts = easyread.texts(data) if leaflet.easy_read_of else _texts(data)
    overall = _readability_findings(add, data, texts, limits)
    _sentence_findings(add, leaflet, texts, limits)
    _case_findings(add, data)
    found += easyread.plain_word_findings(leaflet, words, texts, _headings(data))
    final = policy(found, waivers={rule: why for rule, why in waivers.items() if rule in WAIVABLE})
    final.sort(key=lambda f: (f.line, f.column, f.rule))
    return Review(leaflet, final, overall.reading_ease if overall else None, overall.reading_age if overall else None)


def _date_findings(add, data: dict, today: datetime.date) -> None:
    """The dates in order, the next review soon enough after the last, and not due."""
    dates = {k: datetime.date.fromisoformat(v) for k, v in data["dates"].items()}
    if not dates["published"] <= dates["last_reviewed"] <= dates["next_review"]:
        add("review-dates", ("dates",), f"published {dates['published']}, last reviewed {dates['last_reviewed']} and "
                                        f"next review {dates['next_review']} must come in that order - correct them")
    limit = _add_years(dates["last_reviewed"], MAX_REVIEW_YEARS)
    if dates["next_review"] > limit:
        add("review-interval", ("dates", "next_review"), f"next review {dates['next_review']} is more than "
                                                         f"{MAX_REVIEW_YEARS} years after the last review - set it "
                                                         f"to {limit} or earlier")
    add_date_findings(lambda rule, message: add(rule, ("dates", "next_review"), message), dates["next_review"], today)


def _source_findings(leaflet: Leaflet, add, found: list[Finding], waivers: dict) -> None:
    """No sources: a finding, or the waiver that sources_note stands for."""
    data, source = leaflet.data, leaflet.source
    assert source is not None
    if not data.get("sources") and data.get("sources_note") and "sources" not in waivers:
        # As the format promises: a note may say why no sources are listed. It stands as a
        # waiver would, listed by every check and counted as waived, so it is never silent.
        mark = source.mark(("sources_note",))
        found.append(Finding(leaflet.name, mark.line, mark.column, "", "no sources are listed [waived: sources_note "
                             f"says why: \"{_quote(' '.join(data['sources_note'].split()))}\"]", "waived", "sources"))
    elif not data.get("sources"):
        add("sources", ("sources_note",) if "sources_note" in data else (), "no sources are listed - list the "
            "evidence under 'sources:', or say why there is none in 'sources_note:'")


def _language_name(language: str) -> str:
    return f"{languages.name(language)} ({language})"


def _readability_findings(add, data: dict, texts: list, limits: dict):
    """Reading ease and age of the leaflet and of each long enough section: the leaflet's scores, or None."""
    language = data["language"]
    if not languages.readability_formula(language):
        add("language-rules", ("language",), f"reading-ease and reading-age skipped: their formulas (Flesch) are "
                                             f"validated for English only, and none is built in for "
                                             f"{_language_name(language)} - ask a reader of the language to check "
                                             "that the text is plain")
        return None
    overall = readability.score([t for _, t in texts])
    _readability(add, (), "the leaflet", overall, limits)
    for i, section in enumerate(data["sections"]):
        section_texts = [t for path, t in texts if path[:2] == ("sections", i)]
        if len(section_texts) and sum(len(readability.words(t)) for t in section_texts) >= 40:
            what = f"section '{section['heading']}'" if section.get("heading") else f"section {i + 1}"
            _readability(add, ("sections", i), what, readability.score(section_texts), limits)
    return overall


def _sentence_findings(add, leaflet: Leaflet, texts: list, limits: dict) -> None:
    """Sentences over the limit (Easy Read's shorter one, and its rows' rules), and runs of capitals."""
    language = leaflet.data["language"]
    by_characters = languages.counts_characters(language)
    unit, limit = ("characters", limits["sentence_characters"]) if by_characters else ("words", limits["sentence_words"])
    sentence_rule = "long-sentence"
    if leaflet.easy_read_of:  # Easy Read's own, shorter limit, an error
        sentence_rule, limit = "easy-read-sentence", min(limit, EASY_READ_WORDS)
        for rule, path, message in easyread.row_findings(leaflet):
            add(rule, path, message)
    cased = languages.has_case(language)
    for path, text in texts:
        for sentence in readability.sentences_in(text, language):
            count = readability.length(sentence, language)
            if count > limit:
                add(sentence_rule, path, f"{count} {unit}, more than {limit}: \"{_quote(sentence)}\" - split it")
        for run in _CAPS.findall(text) if cased else []:
            add("all-caps", path, f"\"{run}\" is in capitals, which is harder to read - use bold for emphasis")


def _case_findings(add, data: dict) -> None:
    """Headings in sentence case, or why the rule cannot apply to the language's script."""
    language = data["language"]
    if not languages.has_case(language):
        add("language-rules", ("language",), f"sentence-case and all-caps skipped: {_language_name(language)} is "
                                             f"written in {languages.script_name(language)} script, which has no "
                                             "capital letters")
        return
    for path, heading in _headings(data):
        if _title_case(heading):
            add("sentence-case", path, f"\"{heading}\" is in title case - capitalise only the first word and "
                                       "names, e.g. \"" + _to_sentence_case(heading) + "\"")


def add_date_findings(add, next_review: datetime.date, today: datetime.date) -> None:
    """The two rules that change with the calendar (also run for leaflets a build finds unchanged)."""
    if next_review < today:
        add("review-overdue", f"the review was due on {next_review} and is overdue - review the leaflet and "
                              "update its dates (or build with --allow-expired to mark it overdue)")
    elif (next_review - today).days <= DUE_SOON_DAYS:
        add("review-due-soon", f"the review is due on {next_review}, in {(next_review - today).days} days - "
                               "start the review")


def _add_years(day: datetime.date, years: int) -> datetime.date:
    if day.year + years > datetime.MAXYEAR:  # the calendar ends in 9999: no later review date exists anyway
        return datetime.date.max
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _readability(add, path, name, scores, limits) -> None:
    if scores.reading_ease < limits["reading_ease"]:
        add("reading-ease", path, f"{name} has a Flesch reading ease of {scores.reading_ease:.0f}, below "
                                  f"{limits['reading_ease']} - use shorter sentences and words")
    if scores.reading_age > limits["reading_age"]:
        add("reading-age", path, f"{name} needs a reading age of about {scores.reading_age:.0f}, above "
                                 f"{limits['reading_age']} - use shorter sentences and words")


def _texts(data) -> list:
    """(path, plain text) of every Markdown field a reader reads as running text."""
    found: list[tuple[tuple, str]] = [(("summary",), b) for b in markdown.blocks(data["summary"])]
    for i, section in enumerate(data["sections"]):
        if section.get("body"):
            found += [(("sections", i, "body"), b) for b in markdown.blocks(section["body"])]
        for j, card in enumerate(section.get("cards", [])):
            found += [(("sections", i, "cards", j, "body"), b) for b in markdown.blocks(card["body"])]
        for j, callout in enumerate(section.get("callouts", [])):
            found += [(("sections", i, "callouts", j, "body"), b) for b in markdown.blocks(callout["body"])]
    return found


def _headings(data) -> list:
    found: list[tuple[tuple, str]] = [(("title",), data["title"])]
    for i, section in enumerate(data["sections"]):
        if section.get("heading"):
            found.append((("sections", i, "heading"), section["heading"]))
        for j, card in enumerate(section.get("cards", [])):
            found.append((("sections", i, "cards", j, "heading"), card["heading"]))
        for j, callout in enumerate(section.get("callouts", [])):
            if callout.get("heading"):
                found.append((("sections", i, "callouts", j, "heading"), callout["heading"]))
    return found


# Two or more capitalised words in a row ("DO NOT STOP"); a single acronym (NHS, ADHD) is fine.
_CAPS = re.compile(r"\b[A-Z]{2,}(?: [A-Z]{2,})+\b")
_SMALL = {"a", "an", "and", "as", "at", "but", "by", "for", "from", "if", "in", "into", "of", "on", "or", "the",
          "to", "with", "your", "you", "is", "are", "can", "do", "not", "how", "what", "when", "why"}


def _title_case(heading: str) -> bool:
    """Whether most words after the first start with a capital (acronyms and short words aside)."""
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z'’-]*", heading)[1:] if not w.isupper()]
    words = [w for w in words if w.lower() not in _SMALL or w[0].isupper()]
    long_words = [w for w in words if len(w) > 3]
    return len(long_words) >= 2 and sum(w[0].isupper() for w in long_words) / len(long_words) >= 0.75


def _to_sentence_case(heading: str) -> str:
    words = heading.split(" ")
    return " ".join([words[0]] + [w if w.isupper() else w.lower() for w in words[1:]])


def _quote(sentence: str, limit: int = 70) -> str:
    return sentence if len(sentence) <= limit else sentence[:limit].rsplit(" ", 1)[0] + " ..."


def check_styles(project: Project) -> list[Finding]:
    """Clear-print rules on the project's stylesheets: found once per run, not per leaflet."""
    found = []
    for css in sorted(project.styles.glob("*.css")):
        text = css.read_text(encoding="utf-8")
        name = project.relative(css)
        own = editions.for_stylesheet(css.name)  # an edition's stylesheet sets that edition's sizes
        minimum = own.min_text_pt if own else editions.EDITIONS[editions.DEFAULT_EDITION].min_text_pt
        for pattern, message in (
            (r"text-align\s*:\s*justify", "justified text leaves uneven gaps between words - use text-align: left"),
            (r"hyphens\s*:\s*auto", "automatic hyphenation splits words across lines - use hyphens: none"),
            (r"--body-size\s*:\s*([0-9.]+)pt", None),
        ):
            # CSS keywords and property names are case-insensitive: JUSTIFY justifies too.
            for match in re.finditer(pattern, _without_comments(text), re.IGNORECASE):
                what = message
                if what is None:
                    if float(match.group(1)) >= minimum:
                        continue
                    what = f"body text of {match.group(1)} pt is below {minimum} pt - make it {minimum} pt or more"
                line = text.count("\n", 0, match.start()) + 1
                column = match.start() - text.rfind("\n", 0, match.start())
                found.append(Finding(name, line, column, "", what, "error", "clear-print"))
    return found


def _without_comments(css: str) -> str:
    # Same length, so positions still point at the right line and column.
    return re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group(0)), css, flags=re.S)
