"""The `check` command's report: validation problems and governance findings, grouped by leaflet."""

from __future__ import annotations

import dataclasses
import datetime
import unicodedata
from pathlib import Path

from publisher.build import archive, manifest, settings
from publisher.core.errors import policy
from publisher.govern import governance, plainwords
from publisher.outputs import naming
from publisher.source.content import Catalogue


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


@dataclasses.dataclass
class Entry:
    """One leaflet in the report."""

    source: str
    lines: list  # what to print, in order
    findings: list  # governance.Finding
    problems: list  # validation problems, as text
    review: governance.Review | None
    pages: int | None
    blocked: bool = False
    located: list = dataclasses.field(default_factory=list)  # problems and findings as objects, for annotations
    languages: list = dataclasses.field(default_factory=list)  # of dict: this leaflet's language and translations
    published: list = dataclasses.field(default_factory=list)  # archived versions: {"version", "archived"}


@dataclasses.dataclass
class CheckReport:
    """Everything `check` found."""

    shared: list  # problems in people.yaml, brand.yaml and the styles, as text
    entries: list
    strict: bool
    shared_located: list = dataclasses.field(default_factory=list)  # `shared` as objects, for annotations

    @property
    def errors(self) -> int:
        levels = ("error", "warning") if self.strict else ("error",)
        return (len(self.shared) + sum(len(e.problems) for e in self.entries)
                + sum(f.level in levels for e in self.entries for f in e.findings))

    def lines(self) -> list[str]:
        return self.shared + [line for entry in self.entries for line in entry.lines]

    def count(self, level: str) -> int:
        return sum(f.level == level for e in self.entries for f in e.findings)

    def closing(self) -> str:
        """The last line, e.g. '3 leaflets checked, 3 valid: 0 errors, 1 warning, 5 waived.'"""
        valid = sum(1 for e in self.entries if not e.problems and not e.blocked)
        errors = self.count("error") + sum(len(e.problems) for e in self.entries) + len(self.shared)
        return (f"{_plural(len(self.entries), 'leaflet')} checked, {valid} valid: {_plural(errors, 'error')}, "
                f"{_plural(self.count('warning'), 'warning')}, {self.count('waived')} waived.")

    def rows(self) -> list[dict]:
        """The summary table as data: one row a leaflet."""
        rows = []
        for entry in self.entries:
            data = entry.review.leaflet.data if entry.review else {}
            rows.append({
                "source": entry.source,
                "reference": data.get("reference"),
                "title": data.get("title"),
                "pages": entry.pages,
                "language": data.get("language"),
                "translation_of": data.get("translation_of"),
                "languages": entry.languages,
                "reading_ease": round(entry.review.reading_ease, 1) if entry.review and entry.review.reading_ease
                is not None else None,
                "reading_age": round(entry.review.reading_age, 1) if entry.review and entry.review.reading_age
                is not None else None,
                "next_review": data.get("dates", {}).get("next_review"),
                "errors": len(entry.problems) + sum(f.level == "error" for f in entry.findings),
                "warnings": sum(f.level == "warning" for f in entry.findings),
                "waived": sorted({f.rule for f in entry.findings if f.level == "waived"}),
                "published": entry.published,
            })
        return rows

    def table(self) -> str:
        """The summary table as text."""
        header = ("Reference", "Title", "Published", "Pages", "Ease", "Age", "Next review", "Languages", "Findings")
        body = []
        for row in self.rows():
            findings = f"{row['errors']} errors, {row['warnings']} warnings"
            if row["waived"]:
                findings += f", waived: {', '.join(row['waived'])}"
            title = row["title"] or row["source"]
            body.append((row["reference"] or "-", title if len(title) <= 40 else title[:39] + "…",
                         ", ".join(f"{p['version']} ({p['archived']})" for p in row["published"]) or "-",
                         str(row["pages"]) if row["pages"] else "-",
                         f"{row['reading_ease']:.0f}" if row["reading_ease"] is not None else "-",
                         f"{row['reading_age']:.0f}" if row["reading_age"] is not None else "-",
                         row["next_review"] or "-", _languages(row["languages"]), findings))
        widths = [max(_width(r[i]) for r in [header] + body) for i in range(len(header))]
        return "\n".join("  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(r)).rstrip()
                         for r in [header, tuple("-" * w for w in widths)] + body)

    def as_dict(self) -> dict:
        return {
            "summary": {"leaflets": len(self.entries), "errors": self.errors, "warnings": self.count("warning"),
                        "waived": self.count("waived"), "strict": self.strict},
            "project": self.shared,
            "leaflets": [{**row, "problems": entry.problems,
                          "findings": [dataclasses.asdict(f) for f in entry.findings]}
                         for row, entry in zip(self.rows(), self.entries, strict=True)],
        }


def _width(text: str) -> int:
    """Columns a text takes in a terminal: Chinese and Japanese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _languages(found: list) -> str:
    """The Languages cell: 'en-GB, cy up to date, ar stale (1.0 < 1.1)'; '-' when unknown."""
    cells = []
    for item in found:
        if item.get("up_to_date") is None:
            cells.append(item["language"])
        elif item["up_to_date"]:
            cells.append(f"{item['language']} up to date")
        else:
            cells.append(f"{item['language']} stale ({item['source_version']} < {item['current']})")
    return ", ".join(cells) or "-"


def _language_rows(catalogue: Catalogue, leaflet) -> list[dict]:
    """A source's language then each translation's currency; a translation's own language and currency."""
    brand = catalogue.brand
    if leaflet.translation_of:
        pairs = [leaflet]
        found = []
    else:
        pairs = catalogue.translations_of(leaflet.stem)
        found = [{"language": leaflet.language, "up_to_date": None}]
    for translation in pairs:
        state = governance.currency(translation, brand)
        assert state is not None  # a valid translation always has its source
        found.append({"language": translation.language, "file": translation.name, "up_to_date": state.up_to_date,
                      "source_version": state.made_from, "current": state.current})
    return found


def run(catalogue: Catalogue, today: datetime.date, strict: bool = False, allow_expired: bool = False,
        out: Path | None = None) -> CheckReport:
    """Validate and review every leaflet of a loaded catalogue; page counts come from the build in `out`."""
    project = catalogue.project
    words, word_problems = plainwords.load(project)
    shared_located = list(catalogue.shared_problems) + governance.check_styles(project) + word_problems
    shared = [str(p) for p in shared_located]
    built = manifest.Manifest.load(out or settings.resolve(project).out).entries
    entries = []
    broken = " and ".join(sorted({p.path for p in catalogue.shared_problems}))
    for path, problems in catalogue.failures.items():
        if problems:
            lines = [str(p) for p in problems]
            entries.append(Entry(project.relative(path), lines, [], lines, None, None, located=list(problems)))
        else:  # blocked by a broken shared file, whose errors are counted once, there
            entries.append(Entry(project.relative(path), [f"{project.relative(path)}: not checked until {broken} "
                                                          "is fixed"], [], [], None, None, blocked=True))
    archived = archive.folder(project, out or settings.resolve(project).out)
    keeping = archive.enabled(catalogue.brand) and catalogue.people is not None
    for leaflet in catalogue.leaflets:
        review = governance.review(leaflet, catalogue.brand, today, words)
        if keeping:  # a changed leaflet whose version was published is an error here too (templates are not checked)
            review.findings += archive.check(archived, project, leaflet, catalogue.people or {}, None, "allow")
        findings = sorted(leaflet.warnings + review.findings, key=lambda f: (f.line, f.column, f.rule))
        review.findings = policy(findings, strict=strict, allow_expired=allow_expired)
        lines = [str(f) for f in review.findings]
        # A format the brand offers that cannot be made for this leaflet's language here is said, not skipped silently.
        formats = [o for o in settings.resolve(project, catalogue.brand).formats
                   if o.missing and o.made_for(catalogue.brand, leaflet.stem)]
        language = leaflet.data["language"]
        lines += list(dict.fromkeys(note for output in formats
                                    if output.missing and (note := output.missing(leaflet.name, language, catalogue.brand))))
        entry = built.get(naming.name(leaflet.stem))
        entries.append(Entry(leaflet.name, lines, review.findings, [], review,
                             entry.pages if entry and Path(project.root / entry.source) == leaflet.path else None,
                             located=review.findings, languages=_language_rows(catalogue, leaflet),
                             published=[{"version": i["version"], "archived": i["archived"]}
                                        for i in archive.versions(archived, leaflet.stem)]))
    # Each translation straight after its source.
    entries.sort(key=lambda e: (e.review.leaflet.source_stem, bool(e.review.leaflet.translation_of), e.source)
                 if e.review else (Path(e.source).stem, False, e.source))
    return CheckReport(shared, entries, strict, shared_located)
