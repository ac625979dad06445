"""Plan: what a build has to do before anything is rendered: its shared inputs, what is unchanged, what is valid."""

from __future__ import annotations

import dataclasses
import datetime
import time
from pathlib import Path

from publisher.build import archive, manifest, settings
from publisher.build.results import Result
from publisher.core.errors import Diagnostic, Problem, from_dict, policy
from publisher.govern import governance, plainwords
from publisher.outputs import naming
from publisher.outputs.naming import file_problem
from publisher.source import content

# A translation stale against its source is checked again every build: its grace period runs out by the calendar.
STALE = ("translation-stale", "easy-read-stale")


@dataclasses.dataclass
class Inputs:
    """What every leaflet shares: brand.yaml, people.yaml, the plain-words list and the styles' checks."""

    brand: dict | None
    brand_problems: list
    people: dict | None
    people_problems: list
    words: plainwords.Words
    style_findings: list

    @property
    def errors(self) -> list:
        """The shared problems, as shown once before the leaflets' own."""
        return [str(p) for p in self.brand_problems + self.people_problems] + [str(f) for f in self.style_findings]

    @property
    def sound(self) -> bool:
        """Whether leaflets can be built at all: brand and people read, the styles clean."""
        return self.brand is not None and self.people is not None and not self.style_findings

    def broken(self) -> list:
        """The shared inputs to fix before anything is built."""
        return [name for name, problems in (("brand.yaml", self.brand_problems), ("people.yaml", self.people_problems),
                                            ("styles/", self.style_findings)) if problems]


def load_inputs(project: content.Project) -> Inputs:
    """Read the shared inputs once for the whole run."""
    brand, brand_problems = content.load_brand(project)
    people, people_problems = content.load_people(project)
    words, word_problems = plainwords.load(project)
    return Inputs(brand, brand_problems, people, people_problems, words,
                  governance.check_styles(project) + word_problems)


@dataclasses.dataclass
class Run:
    """One build's state, from its plan to its report."""

    project: content.Project
    options: settings.Build
    paths: list | None  # the leaflets named, or None for the whole catalogue
    emit: object  # called with each Result as it is known
    inputs: Inputs
    files: list
    record: manifest.Manifest
    made: settings.Made
    shared: str  # digest of the run-wide options that change what is made
    brand_digest: str
    made_by: str  # what presentation the archive records
    keeping: bool  # whether this run keeps published versions in the archive
    archive_root: Path
    results: list = dataclasses.field(default_factory=list)
    failures: dict = dataclasses.field(default_factory=dict)  # path -> problems
    wanted: dict = dataclasses.field(default_factory=dict)  # stem -> [(output, edition)] still to make
    to_validate: list = dataclasses.field(default_factory=list)
    leaflets: list = dataclasses.field(default_factory=list)  # validated, to render
    spent: dict = dataclasses.field(default_factory=dict)  # leaflet name -> seconds to load and check it
    images: dict = dataclasses.field(default_factory=dict)  # stem -> {image path: digest}
    by_key: dict = dataclasses.field(default_factory=dict)  # output stem -> leaflet, for the workers' outcomes
    peaks: dict = dataclasses.field(default_factory=dict)  # worker pid -> peak RSS, MB
    private_peaks: dict = dataclasses.field(default_factory=dict)  # worker pid -> peak private memory, MB
    layouts: int = 0

    @property
    def out(self) -> Path:
        return Path(self.options.out)

    def add(self, result: Result) -> None:
        """Record a Result and tell the caller at once."""
        self.results.append(result)
        self.emit(result)  # type: ignore[operator]

    def planned(self, stem: str) -> list:
        """The outputs this leaflet has: a format for some leaflets only (bilingual) is left out of the others'."""
        return [(o, e) for o, e in self.made.plan() if o.made_for(self.inputs.brand, stem)]


def start(project: content.Project, options: settings.Build, paths: list | None, emit, on_start, on_shared) -> Run:
    """Read the shared inputs and the manifest, choose this shard's files and settle the digests."""
    out = Path(options.out)
    manifest.remove_stale_temporaries(out)
    files = [p for p in (paths if paths is not None else project.leaflet_files())
             if settings.in_shard(Path(p).stem, options.shard)]
    inputs = load_inputs(project)
    if on_shared and inputs.errors:
        on_shared(inputs.errors)
    record = manifest.Manifest.load(out)
    brand = inputs.brand
    made = options.made(project, brand)
    shared = manifest.global_digest(project, {"paper": made.paper, "marks": options.marks, "variant": options.variant,
                                              "publish": options.publish})
    brand_digest = manifest.brand_digest(project, brand) if brand else ""
    # The archive keeps what each published version said; presentation is recorded as `made_by`.
    run = Run(project, options, paths, emit, inputs, files, record, made, shared, brand_digest,
              manifest.digest_bytes(f"{shared}:{brand_digest}".encode()), options.publish and archive.enabled(brand),
              archive.folder(project, out))
    if on_start:
        on_start(sum(len(run.planned(Path(p).stem)) for p in files))
    return run


def skip_unchanged(run: Run) -> None:
    """Report the outputs whose inputs have not changed; keep the leaflets with anything left to make."""
    for path in run.files:
        stem = Path(path).stem
        problem = file_problem(run.project, path)
        if problem:
            run.failures[Path(path)] = [problem]
            continue
        run.wanted[stem] = run.planned(stem)
        if run.inputs.brand is not None and run.inputs.people is not None and not run.inputs.style_findings \
                and not run.options.force:
            digest = content.input_digest(path, manifest.digest_file)  # a translation's with its source's
            for output, edition in run.planned(stem):
                key = naming.name(stem, None, edition, output)
                entry = run.record.unchanged(key, output.input_digest(digest, path), run.inputs.people,
                                             run.brand_digest, run.shared, run.project)
                if entry is not None and _still_good(run.options, entry):
                    run.wanted[stem].remove((output, edition))
                    run.add(_unchanged(run, path, key, entry))
        if run.wanted[stem]:
            run.to_validate.append(path)


def _still_good(options: settings.Build, entry: manifest.Entry) -> bool:
    """Whether a recorded output stands: not stale, within --max-pages, and not past its review date."""
    if any(w.get("rule") in STALE for w in entry.warnings) or entry.pages > options.max_pages:
        return False
    due = datetime.date.fromisoformat(entry.next_review)
    return due >= options.today or (options.allow_expired and entry.overdue)


def _unchanged(run: Run, path: Path, key: str, entry: manifest.Entry) -> Result:
    """The Result of an output left as it is, with its recorded warnings and today's date findings."""
    project, options = run.project, run.options
    # Warnings recorded when it was built still stand; and the calendar moves on even when the leaflet does not.
    dated: list[tuple[str, str]] = []
    governance.add_date_findings(lambda rule, message, dated=dated: dated.append((rule, message)),
                                 datetime.date.fromisoformat(entry.next_review), options.today)
    warnings = [d for d in map(from_dict, entry.warnings) if d] + [
        Diagnostic(project.relative(path), 0, 0, "", message, "warning", rule)
        for rule, message in dated if rule == "review-due-soon" and rule not in entry.waived]
    if warnings and options.strict:
        return Result(project.relative(path), "failed", errors=[str(d) for d in policy(warnings, strict=True)])
    return Result(project.relative(path), "unchanged", str(run.out / key), entry.pages, entry.bytes,
                  warnings=[str(w) for w in warnings], language=entry.language)


def validate(run: Run) -> content.Catalogue:
    """Load, check and govern every leaflet with something to make; every problem is reported before rendering."""
    inputs = run.inputs
    loaded: dict = {}  # a source is read once, whether built or only named by its translations
    for path in run.to_validate:
        began = time.monotonic()
        leaflet, problems = _checked(run, path, loaded)
        if leaflet and inputs.brand is not None and not inputs.style_findings:
            run.leaflets.append(leaflet)
            run.spent[leaflet.name] = time.monotonic() - began  # --timeout covers loading and checking too
            continue
        if not problems:  # valid as far as it can be checked, but what it depends on is broken
            problems = [Problem(run.project.relative(path), 1, 1, "", f"not built until "
                                f"{' and '.join(inputs.broken())} is fixed (see the errors there)")]
        run.failures[Path(path)] = problems
    catalogue = content.Catalogue(run.project, inputs.brand, inputs.people, run.leaflets, run.failures,
                                  inputs.brand_problems + inputs.people_problems)
    for result in invalid(catalogue):
        run.add(result)
    return catalogue


def _checked(run: Run, path: Path, loaded: dict):
    """One leaflet loaded, governed and checked against the archive: (leaflet or None, problems)."""
    inputs = run.inputs
    leaflet, problems = content.load_leaflet(run.project, path, inputs.people, loaded)
    if leaflet:
        leaflet, problems = govern(leaflet, inputs.brand, run.options, inputs.words)
    if leaflet and run.keeping and inputs.people is not None:
        found = archive.check(run.archive_root, run.project, leaflet, inputs.people, run.made_by,
                              archive.cosmetic(inputs.brand))
        if found:
            return None, [str(p) for p in found]
    return leaflet, problems


def invalid(catalogue: content.Catalogue) -> list:
    """A failed Result for each leaflet that did not validate."""
    return [Result(catalogue.project.relative(path), "failed", errors=[str(p) for p in problems],
                   diagnostics=[p for p in problems if isinstance(p, Diagnostic)])
            for path, problems in catalogue.failures.items()]


def govern(leaflet: content.Leaflet, brand: dict | None, options: settings.Build,
           words: plainwords.Words = plainwords.NONE):
    """Apply the governance rules before rendering: (leaflet or None, problems)."""
    review = governance.review(leaflet, brand, options.today, words)
    leaflet.waived = sorted({f.rule for f in review.findings if f.level == "waived"})
    leaflet.overdue = options.allow_expired and any(f.rule == "review-overdue" and f.level == "error"
                                                    for f in review.findings)
    found = policy(leaflet.warnings + review.findings, strict=options.strict, allow_expired=options.allow_expired)
    errors = [f for f in found if f.level == "error"]
    if errors:
        return None, errors
    leaflet.warnings = [f for f in found if f.level == "warning"]
    return leaflet, []
