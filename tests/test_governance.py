"""Clinical governance rules: each broken by a leaflet, with its exact message; waivers; dates; output formats."""

import datetime
import json

import pytest

from conftest import MINIMAL, REPO
from pdfutil import page_texts
from publisher.cli import main as cli


def variant(old: str, new: str, base: str = MINIMAL) -> str:
    assert old in base, old
    return base.replace(old, new, 1)


LONG = ("You should rest the ankle and raise it on a cushion whenever you sit down, and you should also keep "
        "walking a little every day so that the joint does not become stiff.")
HARD = ("Pharmacological intervention necessitates comprehensive evaluation. Anti-inflammatory medication "
        "administration requires consideration. Physiotherapeutic rehabilitation optimises functionality.")

RULES = {
    "review-dates": (variant("last_reviewed: 2026-01-10", "last_reviewed: 2025-12-01"),
                     "handouts/x.yaml:7:3: error: review-dates: published 2026-01-10, last reviewed 2025-12-01 and "
                     "next review 2028-01-10 must come in that order - correct them"),
    "review-interval": (variant("next_review: 2028-01-10", "next_review: 2030-01-11"),
                        "handouts/x.yaml:9:16: error: review-interval: next review 2030-01-11 is more than 3 years "
                        "after the last review - set it to 2029-01-10 or earlier"),
    "review-overdue": (variant("next_review: 2028-01-10", "next_review: 2026-11-01"),
                       "handouts/x.yaml:9:16: error: review-overdue: the review was due on 2026-11-01 and is overdue - "
                       "review the leaflet and update its dates (or build with --allow-expired to mark it overdue)"),
    "review-due-soon": (variant("next_review: 2028-01-10", "next_review: 2027-01-20"),
                        "handouts/x.yaml:9:16: warning: review-due-soon: the review is due on 2027-01-20, in 56 days - "
                        "start the review"),
    "sources": (variant("sources:\n  - citation: Example source for tests.\n", "sources_note: None yet.\n"),
                "handouts/x.yaml:16:15: waived: sources: no sources are listed [waived: sources_note says why: "
                "\"None yet.\"]"),
    "long-sentence": (variant("body: Rest your ankle and keep it raised when you can.", f"body: {LONG}"),
                      "handouts/x.yaml:15:11: warning: long-sentence: 33 words, more than 25: \"You should rest the "
                      "ankle and raise it on a cushion whenever you sit ...\" - split it"),
    "reading-ease": (variant("summary: Most sprains get better on their own in a few weeks.", f"summary: {HARD}"),
                     "handouts/x.yaml:1:1: warning: reading-ease: the leaflet has a Flesch reading ease of -57, below "
                     "60 - use shorter sentences and words"),
    "reading-age": (variant("summary: Most sprains get better on their own in a few weeks.", f"summary: {HARD}"),
                    "handouts/x.yaml:1:1: warning: reading-age: the leaflet needs a reading age of about 28, above 11 - "
                    "use shorter sentences and words"),
    "all-caps": (variant("body: Rest your ankle", "body: DO NOT STOP resting your ankle"),
                 "handouts/x.yaml:15:11: warning: all-caps: \"DO NOT STOP\" is in capitals, which is harder to read - "
                 "use bold for emphasis"),
    "sentence-case": (variant("heading: What to do", "heading: What To Do About Swelling"),
                      "handouts/x.yaml:14:14: warning: sentence-case: \"What To Do About Swelling\" is in title case - "
                      "capitalise only the first word and names, e.g. \"What to do about swelling\""),
}


@pytest.mark.parametrize("rule", RULES)
def test_each_rule_with_its_exact_message(project, capsys, rule):
    text, message = RULES[rule]
    project.leaflet("x", text)
    code, out, err = project.run("check", capsys=capsys)
    assert message in (out + err).splitlines()
    assert code == (1 if message.split(": ")[1] == "error" else 0)


def test_strict_makes_warnings_errors(project, capsys):
    project.leaflet("x", RULES["all-caps"][0])
    code, out, err = project.run("check", "--strict", capsys=capsys)
    assert code == 1
    assert err.splitlines()[0].startswith("handouts/x.yaml:15:11: error: all-caps: ")
    assert err.splitlines()[-1] == "1 leaflet checked, 1 valid: 1 error, 0 warnings, 0 waived."


def test_waivers_are_listed_never_silent(project, capsys):
    project.leaflet("x", RULES["all-caps"][0] + "waivers:\n  all-caps: The product name is printed in capitals.\n")
    code, out, err = project.run("check", "--strict", "--summary", capsys=capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == ("handouts/x.yaml:15:11: waived: all-caps: \"DO NOT STOP\" is in capitals, which is harder to "
                        "read - use bold for emphasis [waived: The product name is printed in capitals.]")
    assert lines[-2].startswith("TST-0001   Looking after a sprained ankle")
    assert lines[-2].endswith("0 errors, 0 warnings, waived: all-caps")
    assert lines[-1] == "1 leaflet checked, 1 valid: 0 errors, 0 warnings, 1 waived."


def test_an_unknown_rule_cannot_be_waived(project, capsys):
    project.leaflet("x", MINIMAL + "waivers:\n  all-capitals: The product name is printed in capitals.\n")
    code, out, err = project.run("check", capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == (
        "handouts/x.yaml:19:3: waivers.all-capitals: unknown rule 'all-capitals' - rules that can be waived: all-caps, "
        "easy-read-row, easy-read-sentence, long-sentence, plain-words, reading-age, reading-ease, review-dates, "
        "review-due-soon, review-interval, sentence-case, sources")


def test_an_overdue_leaflet_is_not_built(project, capsys):
    project.leaflet("x", RULES["review-overdue"][0])
    project.leaflet("good")
    code, out, err = project.run(capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == RULES["review-overdue"][1]
    assert sorted(p.name for p in (project.root / "dist").glob("*.pdf")) == ["good.pdf"]


def test_allow_expired_builds_it_marked_overdue(project, capsys):
    project.leaflet("x", RULES["review-overdue"][0])
    code, out, err = project.run("--allow-expired", capsys=capsys)
    assert code == 0
    assert "warning: review-overdue: the review was due on 2026-11-01" in err
    text = " ".join(page_texts(project.root / "dist" / "x.pdf"))
    assert "Review overdue. This leaflet was due to be checked on 1 November 2026." in " ".join(text.split())
    assert "Review overdue since 1 November 2026" in text


def test_an_unchanged_leaflet_still_falls_due(project, capsys):
    project.leaflet("x")
    assert project.run("--today", "2026-11-25", capsys=capsys)[0] == 0
    code, out, err = project.run("--today", "2027-12-01", capsys=capsys)
    assert err.splitlines()[0] == ("handouts/x.yaml: warning: review-due-soon: the review is due on 2028-01-10, "
                                   "in 40 days - start the review")
    code, out, err = project.run("--today", "2028-02-01", capsys=capsys)
    assert code == 1
    assert err.splitlines()[0].startswith("handouts/x.yaml:9:16: error: review-overdue: ")


@pytest.mark.parametrize("justify", ["justify", "JUSTIFY", "Justify"])
def test_clear_print_rules_on_the_styles(project, capsys, justify):
    """CSS keywords ignore case, so the rules must too."""
    base = project.root / "styles" / "base.css"
    text = base.read_text().replace("  --body-size: 12pt;", "  --body-size: 10pt;").replace(
        "  text-align: start;", f"  text-align: {justify};")
    assert text != base.read_text().replace("  --body-size: 12pt;", "  --body-size: 10pt;")
    base.write_text(text)
    code, out, err = project.run("check", capsys=capsys)
    assert code == 1
    lines = err.splitlines()
    assert any(l.startswith("styles/base.css:") and l.endswith(
        ": error: clear-print: body text of 10 pt is below 12 pt - make it 12 pt or more") for l in lines)
    assert any(l.endswith(": error: clear-print: justified text leaves uneven gaps between words - use "
                          "text-align: left") for l in lines)


def test_without_today_the_real_clock_decides(project, capsys, monkeypatch):
    """On the real clock: every other test has today pinned (conftest: --today, LEAFLETS_TODAY), so none falls due."""
    monkeypatch.delenv("LEAFLETS_TODAY")
    today = datetime.date.today()
    due = today - datetime.timedelta(days=1)
    last = due - datetime.timedelta(days=365)
    project.leaflet("x", MINIMAL.replace("2026-01-10", last.isoformat()).replace("2028-01-10", due.isoformat()))
    code = cli.main(["check", "--project", str(project.root)])
    out, err = capsys.readouterr()
    assert code == 1
    assert err.splitlines()[0] == (f"handouts/x.yaml:9:16: error: review-overdue: the review was due on {due} and is "
                                   "overdue - review the leaflet and update its dates (or build with --allow-expired "
                                   "to mark it overdue)")


def test_json_output(project, capsys):
    project.leaflet("x", RULES["all-caps"][0])
    code, out, err = project.run("check", "--format", "json", capsys=capsys)
    report = json.loads(out)
    assert report["summary"] == {"leaflets": 1, "errors": 0, "warnings": 1, "waived": 0, "strict": False}
    leaflet = report["leaflets"][0]
    assert {k: leaflet[k] for k in ("source", "reference", "title", "next_review", "errors", "warnings")} == {
        "source": "handouts/x.yaml", "reference": "TST-0001", "title": "Looking after a sprained ankle",
        "next_review": "2028-01-10", "errors": 0, "warnings": 1}
    assert leaflet["findings"][0]["rule"] == "all-caps" and leaflet["findings"][0]["line"] == 15
    assert isinstance(leaflet["reading_ease"], float) and isinstance(leaflet["reading_age"], float)


def test_shipped_leaflets_pass_strict_on_their_publication_date(capsys):
    for path in sorted((REPO / "handouts").glob("*.yaml")):
        text = path.read_text()
        for link in ("translation_of", "easy_read_of"):  # a translation's and an Easy Read's dates are its source's
            if f"\n{link}: " in text:
                text = (REPO / "handouts" / f"{text.split(chr(10) + link + ': ')[1].split()[0]}.yaml").read_text()
        published = next(line.split(": ")[1] for line in text.splitlines()
                         if line.strip().startswith("published:"))
        code = cli.main(["check", "--project", str(REPO), "--strict", "--today", published.strip(), str(path)])
        out, err = capsys.readouterr()
        assert code == 0, err
        assert out.splitlines()[-1].startswith("1 leaflet checked, 1 valid: 0 errors, 0 warnings")


def test_the_schema_lists_exactly_the_waivable_rules():
    import json as _json
    from publisher.govern import governance
    schema = _json.loads((REPO / "schema" / "leaflet.schema.json").read_text())
    assert schema["properties"]["waivers"]["propertyNames"]["enum"] == governance.WAIVABLE


def test_a_sources_note_alone_is_accepted_and_listed_as_waived(project, capsys):
    """docs/example-leaflet.yaml: sources_note can say why no sources are listed."""
    project.leaflet("x", variant("sources:\n  - citation: Example source for tests.\n",
                                 "sources_note: >-\n  This leaflet explains a form; it makes no clinical claims.\n"))
    code, out, err = project.run("check", "--strict", capsys=capsys)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "handouts/x.yaml:16:15: waived: sources: no sources are listed [waived: sources_note says why: \"This "
        "leaflet explains a form; it makes no clinical claims.\"]",
        "1 leaflet checked, 1 valid: 0 errors, 0 warnings, 1 waived."]
    code, out, err = project.run("--strict", capsys=capsys)
    assert (code, err) == (0, "")
    text = " ".join(" ".join(page_texts(project.root / "dist" / "x.pdf")).split())
    assert "This leaflet explains a form; it makes no clinical claims." in text


def test_a_waiver_of_sources_beside_a_note_gives_its_own_reason_once(project, capsys):
    project.leaflet("x", variant("sources:\n  - citation: Example source for tests.\n",
                                 "sources_note: None yet.\nwaivers:\n  sources: The article cites none.\n"))
    code, out, err = project.run("check", capsys=capsys)
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == ("handouts/x.yaml:16:15: waived: sources: no sources are listed - list the evidence "
                                   "under 'sources:', or say why there is none in 'sources_note:' [waived: The article "
                                   "cites none.]")


def test_a_web_address_typed_in_the_text_counts_as_one_word(project, capsys):
    """A pasted address is not 16 words: the long-sentence rule reads it as one."""
    url = ("https://www.example-nhs-trust.nhs.uk/services/haematology/anticoagulation-clinic/patient-information/"
           "warfarin-dose-and-inr-testing-explained")
    project.leaflet("x", variant("body: Rest your ankle and keep it raised when you can.",
                                 f"body: Read the clinic page at {url} or call the clinic. Then rest."))
    code, out, err = project.run("check", capsys=capsys)
    assert (code, err) == (0, "") and "long-sentence" not in out
