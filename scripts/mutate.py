"""Break each promise the README makes, on purpose, in a copy of the project, and check the tests notice.

    .venv/bin/python scripts/mutate.py            # every mutation (about 15 minutes on 2 cores)
    .venv/bin/python scripts/mutate.py sandbox    # only those whose name or promise contains 'sandbox'
    .venv/bin/python scripts/mutate.py --list

Each mutation is one textual edit to one file (code, template or stylesheet). The project is copied
to a temporary folder, the edit applied, and the named tests run there with this project's .venv.
A mutation is caught when those tests fail; it is missed when they pass. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"


@dataclasses.dataclass
class Mutation:
    """One deliberate break of one promise."""

    name: str
    promise: str
    edits: list  # of (file, text, replacement)
    tests: list  # pytest arguments: files, node ids, -k expressions
    note: str = ""


BASE_CSS = "styles/base.css"
ADHD = "handouts/adhd-neurotransmitter-imaging.yaml"
SECTION = "templates/partials/section.html"
BODY_BLOCK = '  {%- if section.body %}\n  <div class="body">{{ section.body | md }}</div>\n  {%- endif %}\n'
CALLOUTS_LINE = '  {%- for callout in section.callouts %}{% include "partials/callout.html" %}{% endfor %}\n'
SEED = ["tests/test_reference_leaflet.py"]
QR = ["tests/test_print.py", "-k", "qr"]
MARGINS = ["tests/test_reference_leaflet.py", "tests/test_print.py", "tests/test_pages.py"]
INCREMENTAL = ["tests/test_batch.py"]
DETERMINISM = ["tests/test_batch.py", "tests/test_cli.py", "-k", "identical or same_bytes"]
EMAIL = ["tests/test_email.py"]
SIZES = ["tests/test_print.py", "-k", "minimum"]
SANDBOX = ["tests/test_cli.py", "tests/test_bad_corpus.py", "-k", "sandbox or bad_input"]
LABELS = ["tests/test_i18n.py"]

MUTATIONS = [
    Mutation("justify-upper-case", "clear print",
             [(BASE_CSS, "  text-align: start;\n  hyphens", "  text-align: JUSTIFY;\n  hyphens")],
             ["tests/test_governance.py::test_shipped_leaflets_pass_strict_on_their_publication_date"]),
    Mutation("justify-rule-case-sensitive", "clear print",
             [("publisher/govern/governance.py", "_without_comments(text), re.IGNORECASE)", "_without_comments(text))")],
             ["tests/test_governance.py::test_clear_print_rules_on_the_styles"]),
    Mutation("justify-unchecked", "clear print",
             [(BASE_CSS, "  text-align: start;\n  hyphens", "  text-align: justify;\n  hyphens"),
              ("publisher/govern/governance.py", r'r"text-align\s*:\s*justify"', r'r"text-align\s*:\s*justified"')],
             ["tests/test_print.py::test_paragraphs_are_ragged_right_not_justified"],
             "the style check is broken too, so the PDFs themselves must show it"),
    Mutation("seed-sentence-deleted", "seed sentences",
             [(ADHD, "striatum and prefrontal cortex. Some studies, however, suggest that",
               "striatum and prefrontal cortex. Studies, however, suggest that")], SEED),
    Mutation("seed-heading-dropped-from-body", "seed sentences",
             [("templates/partials/section.html", "  <h2>{{ section.heading | text }}</h2>\n", "")], SEED),
    Mutation("seed-callouts-before-body", "seed sentences",
             [(SECTION, BODY_BLOCK, ""), (SECTION, CALLOUTS_LINE, BODY_BLOCK + CALLOUTS_LINE)], SEED,
             "every sentence is still printed, in another order"),
    Mutation("large-print-drops-biographies", "seed sentences",
             [("styles/large-print.css", "  --body-size: 18pt;",
               "  --body-size: 18pt;\n}\n.credit-bio { display: none;")],
             ["tests/test_print.py", "-k", "same_words"], "the standard edition still has them"),
    Mutation("qr-only-first-link", "QR codes",
             [("templates/partials/reading.html", '{%- if link.url and link.url.startswith("http") %}',
               '{%- if loop.first and link.url and link.url.startswith("http") %}')], QR),
    Mutation("qr-wrong-target", "QR codes",
             [("publisher/render/html.py", 'code = segno.make(url, error="m", micro=False)',
               'code = segno.make(url.rstrip("/"), error="m", micro=False)')], QR),
    Mutation("qr-not-for-calls-to-action", "QR codes",
             [("publisher/render/html.py", 'if callout["kind"] == "action" else []',
               'if callout["kind"] == "urgent" else []')], QR),
    Mutation("margin-right-4mm", "margins",
             [(BASE_CSS, "  margin: 18mm 18mm 24mm 18mm;", "  margin: 18mm 4mm 24mm 18mm;")], MARGINS),
    Mutation("margin-paragraphs-too-wide", "margins",
             [(BASE_CSS, "p, ul, ol { margin: 0 0 0.75em; max-width: var(--measure); }",
               "p, ul, ol { margin: 0 0 0.75em; max-width: var(--measure); }\np { width: 120%; }")], MARGINS),
    Mutation("margin-a5-right-4mm", "margins",
             [("styles/a5.css", "  margin: 14mm 14mm 26mm 14mm;", "  margin: 14mm 4mm 26mm 14mm;")], MARGINS),
    Mutation("margin-large-print-long-words", "margins",
             [(BASE_CSS, "p, li, dt, dd, figcaption, h1, h2, h3 { overflow-wrap: anywhere; }",
               "p, li, dt, dd, figcaption, h1, h2, h3 { overflow-wrap: normal; }")], MARGINS),
    Mutation("incremental-ignores-options", "incremental rebuilds",
             [("publisher/manifest.py", '"options": options}', '"options": {}}')], INCREMENTAL),
    Mutation("incremental-ignores-logo", "incremental rebuilds",
             [("publisher/build/manifest.py", 'digest_json({"brand": brand, "logo": logo})',
               'digest_json({"brand": brand})')], INCREMENTAL),
    Mutation("incremental-ignores-brand", "incremental rebuilds",
             [("publisher/batch.py", "brand_digest = manifest.brand_digest(project, brand) if brand else None",
               'brand_digest = "any" if brand else None')], INCREMENTAL),
    Mutation("incremental-ignores-fonts", "incremental rebuilds",
             [("publisher/build/manifest.py", "        _tree(hasher, folder)\n",
               '        _tree(hasher, folder, "**/*.[ch]*")\n')], INCREMENTAL, "templates and CSS still count"),
    Mutation("incremental-ignores-images", "incremental rebuilds",
             [("publisher/build/manifest.py", "            if digest_file(project.root / image) != recorded:",
               "            if False:")], INCREMENTAL),
    Mutation("incremental-ignores-people", "incremental rebuilds",
             [("publisher/manifest.py", "if person_id not in people or digest_json(people[person_id]) != recorded:",
               "if person_id not in people:")], INCREMENTAL),
    Mutation("determinism-random-id", "determinism",
             [("publisher/outputs/pdf/engine.py", "identifier = hashlib.sha256(html.encode()).hexdigest()[:32].encode()",
               "identifier = os.urandom(16).hex().encode()")], DETERMINISM),
    Mutation("determinism-hash-seed", "determinism",
             [("publisher/outputs/pdf/engine.py", "identifier = hashlib.sha256(html.encode()).hexdigest()[:32].encode()",
               'identifier = f"{hash(html) & (2 ** 128 - 1):032x}".encode()')],
             ["tests/test_batch.py", "-k", "identical"], "stable within one process; only a second process shows it"),
    Mutation("privacy-no-redaction", "email privacy",
             [("publisher/mail/send.py", '    text = ADDRESS.sub("<recipient>", text)\n', "    return text\n")], EMAIL),
    Mutation("privacy-one-message-for-all", "email privacy",
             [("publisher/mail/send.py", "return [compose(project, parcel.leaflet, brand, parcel.data, recipient, sent_from,",
               'return [compose(project, parcel.leaflet, brand, parcel.data, ", ".join(recipients), sent_from,')], EMAIL),
    Mutation("privacy-address-in-progress", "email privacy",
             [("publisher/cli/email.py", 'print(f"recipient {delivery.position} of {total}: sent")',
               'print(f"recipient {delivery.position} of {total} ({recipients[delivery.position - 1]}): sent")')],
             EMAIL),
    Mutation("privacy-sent-when-checks-fail", "email privacy",
             [("publisher/cli/email.py", "    if not report.ok:\n        print(f\"Error: {project.relative(path)}",
               "    if not report.ok and False:\n        print(f\"Error: {project.relative(path)}")], EMAIL),
    Mutation("small-text-10pt", "minimum sizes", [(BASE_CSS, "  --small-size: 12pt;", "  --small-size: 10pt;")],
             SIZES),
    Mutation("footer-9pt", "minimum sizes", [(BASE_CSS, "  font-size: 12pt;\n  color: #1f2328;",
                                              "  font-size: 9pt;\n  color: #1f2328;")], SIZES),
    Mutation("callout-text-10pt", "minimum sizes",
             [(BASE_CSS, ".callout p:last-child { margin-bottom: 0; }",
               ".callout p:last-child { margin-bottom: 0; }\n.callout p { font-size: 10pt; }")], SIZES),
    Mutation("card-text-10pt", "minimum sizes",
             [(BASE_CSS, ".callout p:last-child { margin-bottom: 0; }",
               ".callout p:last-child { margin-bottom: 0; }\n.card p { font-size: 10pt; }")], SIZES),
    Mutation("large-print-small-text-14pt", "minimum sizes",
             [("styles/large-print.css", "  --small-size: 16pt;", "  --small-size: 14pt;")], SIZES),
    Mutation("large-print-body-16pt", "minimum sizes",
             [("styles/large-print.css", "  --body-size: 18pt;", "  --body-size: 16pt;")], SIZES),
    Mutation("sandbox-whole-project", "sandbox",
             [("publisher/outputs/pdf/engine.py", "_fetcher_class()(project.asset_roots(leaflet_folder))",
               "_fetcher_class()([project.root])")],
             SANDBOX),
    Mutation("sandbox-leaflet-in-root", "sandbox",
             [("publisher/source/project.py", "and Path(leaflet_folder).resolve() not in (self.root, *roots)",
               "and Path(leaflet_folder).resolve() not in roots")],
             SANDBOX),
    Mutation("sandbox-no-symlink-resolution", "sandbox",
             [("publisher/outputs/pdf/engine.py", "urllib.parse.urlsplit(url).path)).resolve()",
               "urllib.parse.urlsplit(url).path)).absolute()")],
             SANDBOX),
    Mutation("sandbox-data-uri-unlimited", "sandbox",
             [("publisher/outputs/pdf/engine.py", "MAX_DATA_URI = 2_000_000", "MAX_DATA_URI = 2_000_000\nLIMIT = 20_000_000"),
              ("publisher/outputs/pdf/engine.py", "if len(url) > MAX_DATA_URI:", "if len(url) > LIMIT:")],
             ["tests/test_limits.py"]),
    Mutation("sandbox-network", "sandbox",
             [("publisher/outputs/pdf/engine.py", 'if scheme != "file":', 'if scheme not in ("file", "http", "https"):')],
             SANDBOX),
    Mutation("labels-english-fallback", "labels in the leaflet's language",
             [("publisher/i18n/catalogues.py", "if self.known is not None and message not in self.known:", "if False:"),
              ("publisher/i18n/checks.py", "    for message in needed(Path(root)):", "    for message in []:")],
             LABELS),
    Mutation("labels-footer-hard-coded", "labels in the leaflet's language",
             [("templates/leaflet.html", 'labels.parts(_("Page %(page)s of %(pages)s")',
               'labels.parts("Page %(page)s of %(pages)s"')],
             LABELS + ["-k", "pdf"]),
    Mutation("labels-english-dates", "labels in the leaflet's language",
             [("publisher/render/html.py", 'return context["labels"].date(value)',
               'return context["labels"].other("en-GB").date(value)')],
             LABELS + ["-k", "welsh"]),
    Mutation("labels-fuzzy-accepted", "labels in the leaflet's language",
             [("publisher/i18n/catalogues.py", "return bool(message.id) and not message.fuzzy and all(strings)",
               "return bool(message.id) and all(strings)"),
              ("publisher/i18n/checks.py", "        elif found.fuzzy:", "        elif False:")],
             LABELS + ["-k", "fuzzy"]),
]


def copy_project(target: Path) -> None:
    """The working tree without what a build or a test run leaves behind."""
    shutil.copytree(ROOT, target, ignore=shutil.ignore_patterns(
        ".git", ".venv", "dist", "__pycache__", ".pytest_cache", ".hypothesis", "out"))


def apply(mutation: Mutation, root: Path) -> None:
    for file, old, new in mutation.edits:
        path = root / file
        text = path.read_text(encoding="utf-8")
        if text.count(old) != 1:
            raise SystemExit(f"{mutation.name}: {file} holds {text.count(old)} copies of the text to replace, "
                             "not 1 - update the mutation")
        path.write_text(text.replace(old, new), encoding="utf-8")


def run(mutation: Mutation, workers: int) -> tuple[str, float, str, list]:
    """('caught' | 'missed' | 'error', seconds, last line of pytest's output, the tests that failed)."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mutant-") as folder:
        root = Path(folder) / "project"
        copy_project(root)
        apply(mutation, root)
        # No -x: under xdist it ends the run with exit code 2, which would hide a failure.
        run = subprocess.run([str(PYTHON), "-m", "pytest", "-q", "-rfE", "-n", str(workers), "-p", "no:cacheprovider",
                              *mutation.tests], cwd=root, capture_output=True, text=True)
    lines = run.stdout.strip().splitlines() or [""]
    failed = [line.split(" ")[1] for line in lines if line.startswith(("FAILED ", "ERROR "))]
    # 1: tests failed. 0: all passed. Anything else (2 interrupted, 4 usage, 5 no tests) says the mutation is stale.
    verdict = {0: "missed", 1: "caught"}.get(run.returncode, "error")
    return verdict, time.perf_counter() - started, lines[-1], failed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", help="run the mutations whose name or promise contains one of these")
    parser.add_argument("--list", action="store_true", help="list the mutations and stop")
    parser.add_argument("-n", type=int, default=2, metavar="N", help="pytest workers per run (default: 2)")
    parser.add_argument("-v", "--verbose", action="store_true", help="name the tests that caught each mutation")
    args = parser.parse_args(argv)
    chosen = [m for m in MUTATIONS if not args.only or any(w in m.name or w in m.promise for w in args.only)]
    if args.list:
        for m in chosen:
            print(f"{m.name:32} {m.promise:22} {', '.join(sorted({file for file, _, _ in m.edits}))}")
        return 0
    missed = 0
    for m in chosen:
        verdict, seconds, last, failed = run(m, args.n)
        missed += verdict != "caught"
        print(f"{verdict:7} {m.name:32} {m.promise:22} {seconds:5.0f} s  {last}" + (f"  ({m.note})" if m.note else ""),
              flush=True)
        if args.verbose:
            for name in failed:
                print(f"        {name}")
    print(f"{len(chosen) - missed} of {len(chosen)} mutations caught")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
