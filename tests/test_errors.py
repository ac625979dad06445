"""Bad input: every problem reported in one pass, as file:line:col: field: what - how to fix; nothing lost."""

import pytest

from conftest import MINIMAL, SITE


def variant(old: str, new: str) -> str:
    assert old in MINIMAL, old
    return MINIMAL.replace(old, new, 1)


CASES = {
    "unknown field with a suggestion": (
        variant("summary:", "sumary:"),
        ["handouts/bad.yaml:1:1: missing required field 'summary' - add 'summary:'",
         "handouts/bad.yaml:2:1: sumary: unknown field - did you mean 'summary'?"]),
    "unknown field with no close match": (
        variant("language: en-GB", "language: en-GB\ncolour: blue"),
        ["handouts/bad.yaml:4:1: colour: unknown field - allowed here: contents, credits, dates, further_reading, "
         "keywords, language, max_pages, reference, sections, source_version, sources, sources_note, summary, title, "
         "translation_note, translation_of, translation_revision, version, waivers"]),
    "missing nested field": (
        variant("  next_review: 2028-01-10\n", ""),
        ["handouts/bad.yaml:6:1: dates: missing required field 'next_review' here - add 'next_review:'"]),
    "wrong type": (
        variant('version: "1.0"', "version: [1, 0]"),
        ["handouts/bad.yaml:5:10: version: expected text, got a list"]),
    "boolean where text belongs": (
        variant("title: Looking after a sprained ankle", "title: true"),
        ["handouts/bad.yaml:1:8: title: expected text, got true/false - put it in quotes"]),
    "yes is not a boolean": (
        variant("language: en-GB", "language: en-GB\ncontents: yes"),
        ["handouts/bad.yaml:4:11: contents: expected true or false, got 'yes' - write true or false"]),
    "impossible date": (
        variant("published: 2026-01-10", "published: 2026-02-30"),
        ["handouts/bad.yaml:7:14: dates.published: '2026-02-30' is not a real date - use YYYY-MM-DD with a real month and day"]),
    "date in another form": (
        variant("published: 2026-01-10", "published: 10/01/2026"),
        ["handouts/bad.yaml:7:14: dates.published: '10/01/2026' is not a date - use YYYY-MM-DD, e.g. 2026-03-31"]),
    "unknown person": (
        variant("reviewers: [rebecca-fernandez]", "reviewers: [dr-smith]"),
        ["handouts/bad.yaml:12:15: credits.reviewers[0]: unknown person 'dr-smith' - use an id from people.yaml (phoebe-carter, rebecca-fernandez), or add the person there"]),
    "no reviewer": (
        variant("reviewers: [rebecca-fernandez]", "reviewers: []"),
        ["handouts/bad.yaml:12:14: credits.reviewers: needs at least 1 item - add one"]),
    "missing image": (
        variant("    body: Rest", "    image: {file: ankle.png, alt: A raised ankle}\n    body: Rest"),
        ["handouts/bad.yaml:15:19: sections[0].image.file: file 'handouts/ankle.png' not found - check the name, or add the file"]),
    "image without alt text": (
        variant("    body: Rest", "    image: {file: ankle.png}\n    body: Rest"),
        ["handouts/bad.yaml:15:5: sections[0].image: missing required field 'alt' here - add 'alt:'",
         "handouts/bad.yaml:15:19: sections[0].image.file: file 'handouts/ankle.png' not found - check the name, or add the file"]),
    "image outside the project": (
        variant("    body: Rest", "    image: {file: ../../../etc/x.png, alt: x}\n    body: Rest"),
        ["handouts/bad.yaml:15:19: sections[0].image.file: '../../../etc/x.png' is outside the project - keep images inside the project folder"]),
    "bad language tag": (
        variant("language: en-GB", "language: English"),
        ["handouts/bad.yaml:3:11: language: 'English' is not a language tag - use a BCP 47 tag such as en-GB"]),
    "italics and a script link": (
        variant("body: Rest your ankle", "body: Rest *your* [ankle](javascript:alert(1))"),
        ["handouts/bad.yaml:15:11: sections[0].body: italics ('*text*') are hard to read in print - use **bold** for emphasis",
         "handouts/bad.yaml:15:11: sections[0].body: link target 'javascript:alert(1)' is not allowed - use a full https:// address, mailto: or tel:"]),
    "duplicate key": (
        variant("language: en-GB", "language: en-GB\nlanguage: fr"),
        ["handouts/bad.yaml:4:1: language: duplicate key (first given on line 3) - keep only one"]),
    "yaml syntax error": (
        variant("title: Looking after a sprained ankle", "title: [unclosed"),
        ["handouts/bad.yaml:1:8: title: the list started with '[' here is not closed - add ']' at its end, or put "
         "the value in quotes if the '[' is part of the text"]),
    "not a mapping": (
        "- just\n- a list\n",
        ["handouts/bad.yaml:1:1: expected a mapping of fields (name: value), got a list"]),
    "python tag": (
        variant("title: Looking after a sprained ankle", "title: !!python/object:os.system ls"),
        ["handouts/bad.yaml:1:8: title: YAML tag 'tag:yaml.org,2002:python/object:os.system' is not allowed - remove it"]),
    "empty section": (
        variant("  - heading: What to do\n    body: Rest your ankle and keep it raised when you can.", "  - {}"),
        ["handouts/bad.yaml:14:5: sections[0]: a section needs a heading, a body or a callout - add 'heading:', 'body:' or 'callouts:'"]),
    "no sources and no word on why": (
        variant("sources:\n  - citation: Example source for tests.\n", ""),
        ["handouts/bad.yaml:1:1: missing 'sources' - list the evidence, or say why there is none in 'sources_note:'"]),
    "a list folded into a paragraph": (
        variant("    body: Rest your ankle and keep it raised when you can.",
                "    body: >\n      Do this:\n      - rest\n      - raise it"),
        ["handouts/bad.yaml:15:11: sections[0].body: this folded ('>') text holds a list, which folding would join into "
         "one paragraph - start the text with '|' instead of '>'"]),
    "callout kind": (
        variant("    body: Rest", "    callouts: [{kind: danger, body: Call 999}]\n    body: Rest"),
        ["handouts/bad.yaml:15:23: sections[0].callouts[0].kind: 'danger' is not one of: urgent, action, note"]),
}


@pytest.mark.parametrize("case", CASES)
def test_exact_message_and_exit_code(project, capsys, case):
    text, expected = CASES[case]
    project.leaflet("bad", text)
    code, out, err = project.run("check", capsys=capsys)
    assert code == 1
    assert err.splitlines() == expected + [f"1 leaflet checked, 0 valid: {len(expected)} error{'s' if len(expected) > 1 else ''}, "
                                           "0 warnings, 0 waived."]


def test_every_error_of_every_leaflet_in_one_pass(project, capsys):
    project.leaflet("a-bad", variant("summary:", "sumary:"))
    project.leaflet("b-good")
    project.leaflet("c-bad", variant("reviewers: [rebecca-fernandez]", "reviewers: [dr-smith]").replace("2026-01-10", "2026-13-01", 1))
    code, out, err = project.run(capsys=capsys)
    assert code == 1
    assert err.splitlines() == [
        "handouts/a-bad.yaml:1:1: missing required field 'summary' - add 'summary:'",
        "handouts/a-bad.yaml:2:1: sumary: unknown field - did you mean 'summary'?",
        "handouts/c-bad.yaml:7:14: dates.published: '2026-13-01' is not a real date - use YYYY-MM-DD with a real month and day",
        "handouts/c-bad.yaml:12:15: credits.reviewers[0]: unknown person 'dr-smith' - use an id from people.yaml (phoebe-carter, rebecca-fernandez), or add the person there",
        "built 1, unchanged 0, removed 0, failed 2 (4 errors) in T s",
    ]
    assert out.startswith("built dist/b-good.pdf (")
    assert (project.root / "dist" / "b-good.pdf").read_bytes().startswith(b"%PDF-")
    assert not (project.root / "dist" / "a-bad.pdf").exists()


def test_a_broken_leaflet_keeps_its_last_good_pdf(project, capsys):
    path = project.leaflet("ankle")
    assert project.run(capsys=capsys)[0] == 0
    good = (project.root / "dist" / "ankle.pdf").read_bytes()
    path.write_text(variant("version: \"1.0\"", "version: [2]"), encoding="utf-8")
    code, out, err = project.run(capsys=capsys)
    assert code == 1
    assert (project.root / "dist" / "ankle.pdf").read_bytes() == good
    assert sorted(p.name for p in (project.root / "dist").iterdir()) == [".lock", ".manifest.json", "ankle.pdf", *SITE]  # no temporary left


def test_a_render_failure_keeps_the_last_good_pdf(project, capsys):
    project.leaflet("ankle")
    assert project.run(capsys=capsys)[0] == 0
    good = (project.root / "dist" / "ankle.pdf").read_bytes()
    (project.root / "templates" / "partials" / "footer.html").write_text("{{ leaflet.no_such_field }}")
    code, out, err = project.run(capsys=capsys)
    assert code == 1
    assert err.splitlines() == [
        "handouts/ankle.yaml: template error: 'dict object' has no attribute 'no_such_field' - fix the template in templates/",
        "built 0, unchanged 0, removed 0, failed 1 (1 error) in T s",
    ]
    assert (project.root / "dist" / "ankle.pdf").read_bytes() == good
    assert sorted(p.name for p in (project.root / "dist").iterdir()) == [".lock", ".manifest.json", "ankle.pdf", *SITE]


def test_people_file_errors_stop_only_what_depends_on_it(project, capsys):
    people = project.root / "people.yaml"
    people.write_text(people.read_text().replace("    role: Physician\n", "    roel: Physician\n"))
    project.leaflet("ankle")
    code, out, err = project.run("check", capsys=capsys)
    assert code == 1
    assert err.splitlines() == [
        "people.yaml:7:3: people.rebecca-fernandez: missing required field 'role' here - add 'role:'",
        "people.yaml:10:5: people.rebecca-fernandez.roel: unknown field - did you mean 'role'?",
        "handouts/ankle.yaml: not checked until people.yaml is fixed",
        "1 leaflet checked, 0 valid: 2 errors, 0 warnings, 0 waived.",
    ]


def test_bad_person_id_in_people_file(project, capsys):
    people = project.root / "people.yaml"
    people.write_text(people.read_text().replace("  phoebe-carter:", "  Phoebe Carter:"))
    code, out, err = project.run("check", capsys=capsys)
    assert err.splitlines()[0] == ("people.yaml:2:3: people.Phoebe Carter: 'Phoebe Carter' is not a person id - "
                                   "use lower-case words joined by hyphens, e.g. helen-marsh")
    assert code == 1


def test_brand_logo_must_exist(project, capsys):
    (project.root / "styles" / "brand" / "logo.svg").unlink()
    project.leaflet("ankle")
    code, out, err = project.run("check", capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == "brand.yaml:2:7: logo: file 'styles/brand/logo.svg' not found - check the name, or add the file"


@pytest.mark.parametrize("args, message", [
    (["handouts/nope.yaml"], "Error: 'handouts/nope.yaml' does not exist"),
    (["/etc/hostname"],
     "Error: '/etc/hostname' is outside the project folder {root} - leaflets must live in the project"),
    (["brand.yaml.txt"], "Error: 'brand.yaml.txt' does not exist"),
])
def test_usage_errors_exit_2(project, capsys, monkeypatch, args, message):
    monkeypatch.chdir(project.root)
    code, out, err = project.run("build", *args, capsys=capsys)
    assert code == 2
    assert err.splitlines()[0].startswith("usage: build.py build [-h]")
    assert err.splitlines()[-1] == message.format(root=project.root)
    assert out == "" and not (project.root / "drafts").exists()


def test_an_unknown_option_exits_2_with_a_hint(project, capsys):
    """argparse's own usage errors leave through SystemExit, with the usage line first."""
    with pytest.raises(SystemExit) as exit_info:
        project.run("--frobnicate", capsys=capsys)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("usage: ")
    assert err[-2:] == ["Error: unrecognized arguments: --frobnicate", "Try 'python build.py --help' for help."]


def long_leaflet(paragraphs: int) -> str:
    body = "\n\n".join(f"Paragraph {i}: rest, raise and protect the joint for a few days." for i in range(paragraphs))
    return MINIMAL.replace("    body: Rest your ankle and keep it raised when you can.",
                           "    body: |\n" + "\n".join("      " + line for line in body.splitlines()))


def test_page_limit_stops_a_runaway_leaflet(project, capsys):
    project.leaflet("runaway", long_leaflet(400))
    project.leaflet("good")
    code, out, err = project.run("--max-pages", "3", capsys=capsys)
    assert code == 1
    assert err.splitlines() == [
        "handouts/runaway.yaml: runs to more than 3 pages, the limit - split the leaflet, or raise the limit with --max-pages",
        "built 1, unchanged 0, removed 0, failed 1 (1 error) in T s"]
    assert sorted(p.name for p in (project.root / "dist").glob("*.pdf")) == ["good.pdf"]


def test_time_limit_stops_a_slow_leaflet(project, capsys):
    project.leaflet("slow", long_leaflet(6000))
    code, out, err = project.run("--timeout", "1", "--max-pages", "10000", capsys=capsys)
    assert code == 1
    assert err.splitlines()[0] == ("handouts/slow.yaml: took more than 1 s to render, the limit - shorten the leaflet, "
                                   "or raise the limit with --timeout")
