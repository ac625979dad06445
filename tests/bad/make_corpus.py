"""Write the bad-input corpus (run from anywhere; the files it writes are committed).

Each case is a small change to the test leaflet in conftest.MINIMAL, or a
broken people/brand file (NAME.people.yaml, NAME.brand.yaml), or a hostile
image in assets/. Expected messages live beside each case in NAME.expected;
regenerate them with `UPDATE_GOLDENS=1 pytest tests/test_bad_corpus.py` and
read every line before committing.
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent.parent), str(HERE.parent)]

from conftest import MINIMAL  # noqa: E402


def v(old, new, base=MINIMAL):
    assert old in base, old
    return base.replace(old, new, 1)


IMG = "    body: Rest"
SECTION = "  - heading: What to do\n    body: Rest your ankle and keep it raised when you can."


def img(file):
    return v(IMG, f"    image: {{file: {file}, alt: A picture}}\n    body: Rest")


CASES = {
    "unknown-field": v("summary:", "sumary:"),
    "missing-title": v("title: Looking after a sprained ankle\n", ""),
    "sections-not-a-list": v("sections:\n  - heading: What to do\n    body: Rest your ankle and keep it raised when you can.",
                             "sections: Rest your ankle."),
    "impossible-date": v("published: 2026-01-10", "published: 2026-02-30"),
    "date-in-british-form": v("published: 2026-01-10", "published: 10/01/2026"),
    "unknown-person": v("reviewers: [rebecca-fernandez]", "reviewers: [dr-smith]"),
    "unknown-person-misspelt": v("reviewers: [rebecca-fernandez]", "reviewers: [rebeca-fernandes]"),
    "no-authors": v("authors: [phoebe-carter]", "authors: []"),
    "person-id-traversal": v("authors: [phoebe-carter]", "authors: [../../tmp/evil]"),
    "reference-traversal": v("reference: TST-0001", "reference: ../../tmp/evil"),
    "missing-image": img("images/missing.png"),
    "image-outside-project": img("../../canary.svg"),
    "image-absolute-path": img("/etc/passwd.png"),
    "image-url": img("https://example.org/x.png"),
    "image-symlink-outside": img("images/link.svg"),
    "svg-file-reference": img("images/file-ref.svg"),
    "svg-http-reference": img("images/http-ref.svg"),
    "svg-script": img("images/script.svg"),
    "svg-entities": img("images/entities.svg"),
    "svg-css-import": img("images/css-import.svg"),
    "svg-event-handler": img("images/onload.svg"),
    "svg-not-xml": img("images/broken.svg"),
    "png-that-is-not": img("images/fake.png"),
    "duplicate-key": v("language: en-GB", "language: en-GB\nlanguage: fr"),
    "billion-laughs": v("sources:", "keywords: &a [x, x, x, x, x, x, x, x, x, x]\n"
                        "x1: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                        "x2: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                        "x3: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                        "x4: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                        "x5: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\nsources:"),
    "deep-nesting": v("sources:", "keywords: " + "[" * 40 + "x" + "]" * 40 + "\nsources:"),
    "python-tag": v("title: Looking after a sprained ankle", "title: !!python/object/apply:os.system [ls]"),
    "custom-tag": v("title: Looking after a sprained ankle", "title: !include /etc/passwd"),
    "merge-key": v("dates:\n", "base: &base {published: 2026-01-10}\ndates:\n  <<: *base\n"),
    "tab-indentation": v("  published: 2026-01-10", "\tpublished: 2026-01-10"),
    "control-character": v("Rest your ankle", "Rest your\x07 ankle"),
    "not-a-mapping": "- just\n- a list\n",
    "empty-file": "",
    "unclosed-quote": v("summary: Most sprains", "summary: \"Most sprains"),
    "italics": v("body: Rest your ankle", "body: Rest *your* ankle"),
    "javascript-link": v("body: Rest your ankle", "body: Rest [your](javascript:alert(document.cookie)) ankle"),
    "file-link": v("body: Rest your ankle", "body: Rest [your](file:///etc/passwd) ankle"),
    "data-link": v("body: Rest your ankle", "body: Rest [your](data:text/html;base64,PHNjcmlwdD4=) ankle"),
    "further-reading-ftp": v("sources:", "further_reading:\n  - {title: Files, url: \"ftp://example.org/\"}\nsources:"),
    "further-reading-javascript": v("sources:", "further_reading:\n  - {title: Click, url: \"javascript:alert(1)\"}\nsources:"),
    "folded-list": v("    body: Rest your ankle and keep it raised when you can.",
                     "    body: >\n      Do this:\n      - rest\n      - raise it"),
    "no-sources": v("sources:\n  - citation: Example source for tests.\n", ""),
    "callout-kind": v(IMG, "    callouts: [{kind: danger, body: Call 999}]\n    body: Rest"),
    "language-name": v("language: en-GB", "language: English"),
    "version-as-list": v('version: "1.0"', "version: [1, 0]"),
    "contents-yes": v("language: en-GB", "language: en-GB\ncontents: yes"),
    "empty-section": v("  - heading: What to do\n    body: Rest your ankle and keep it raised when you can.", "  - {}"),
    "bad name": MINIMAL,
    # Found in review: each of these once crashed or slipped through.
    "nesting-bomb": v("sources:", "keywords: " + "[" * 30000 + "]" * 30000 + "\nsources:"),
    "alias-text-bomb": v("sources:", "x0: &t \"" + "words " * 100000 + "\"\nkeywords: [*t, *t, *t, *t]\nsources:"),
    "equal-but-different-items": v("language: en-GB", "language: en-GB\nkeywords: [[1], [1.0]]"),
    "url-too-long-for-a-qr-code": v("sources:", "further_reading:\n  - {title: Long, url: \"https://example.org/"
                                    + "a" * 600 + "\"}\nsources:"),
    "title-with-line-break": v("title: Looking after a sprained ankle", "title: \"Looking after\\na sprained ankle\""),
    "x.large-print": MINIMAL,
    "image-outside-asset-folders": img("../other/pic.svg"),
    "svg-utf16": img("images/utf16.svg"),
    "sources-note-italics": v("sources:\n  - citation: Example source for tests.\n", "sources_note: None *yet*.\n"),
    # The commonest YAML mistakes, each explained in plain words at the line where it was made.
    "yaml-list-item-indented-more": v(SECTION, SECTION + "\n   - heading: When to get help\n     body: Call 111."),
    "yaml-list-item-indented-less": v(SECTION, SECTION + "\n - heading: When to get help\n   body: Call 111."),
    "yaml-field-indented-less-in-a-list-item": v("    body: Rest your ankle", "   body: Rest your ankle"),
    "yaml-field-indented-more": v("  last_reviewed: 2026-01-10", "    last_reviewed: 2026-01-10"),
    "yaml-field-indented-less": v("  last_reviewed: 2026-01-10", " last_reviewed: 2026-01-10"),
    "yaml-field-after-a-list": v("  - citation: Example source for tests.\n",
                                 "  - citation: Example source for tests.\n  note: Checked in 2026.\n"),
    "yaml-colon-in-a-value": v("summary: Most sprains", "summary: Remember: most sprains"),
    "yaml-backtick": v("summary: Most sprains", "summary: `Most` sprains"),
    "yaml-at-sign": v("summary: Most sprains", "summary: @NHS says most sprains"),
    "yaml-no-colon": v("language: en-GB", "language en-GB"),
    "yaml-no-colon-in-a-nested-field": v("  published: 2026-01-10", "  published 2026-01-10"),
    "yaml-text-after-a-closing-quote": v("summary: Most sprains get better on their own in a few weeks.",
                                         "summary: \"Most\" sprains get better on their own."),
    "yaml-wrapped-line-indented-less": v("    body: Rest your ankle and keep it raised when you can.",
                                         "    body: Rest your ankle and\n  keep it raised when you can."),
    "yaml-quote-never-closed": v("  - citation: Example source for tests.", "  - citation: \"Example source for tests."),
    "yaml-dash-after-a-field": v("title: Looking after", "title: - Looking after"),
    "character-no-font-has": v("body: Rest your ankle", "body: Rest your ankle (中文 leaflet on request)"),
}

BYTES = {
    "byte-order-mark": "\ufeff".encode() + MINIMAL.encode(),
    "invalid-utf8": MINIMAL.encode().replace(b"ankle and", b"ankle \xff\xfe and"),
}

_people = (HERE.parent / "data" / "people.yaml").read_text()
_brand = (HERE.parent / "data" / "brand.yaml").read_text()
SHARED = {
    "people-unknown-field.people": _people.replace("    role: Physician\n", "    roel: Physician\n"),
    "people-id-traversal.people": _people.replace("  phoebe-carter:", "  ../../tmp/evil:"),
    "people-missing-biography.people": _people.replace("    biography: A test biography.\n", ""),
    "people-python-tag.people": _people.replace("name: Phoebe Carter", "name: !!python/name:os.system"),
    "brand-colour-name.brand": _brand.replace('primary: "#1d5c63"', "primary: red"),
    "brand-logo-outside.brand": _brand.replace("logo: styles/brand/logo.svg", "logo: ../canary.svg"),
    "brand-logo-url.brand": _brand.replace("logo: styles/brand/logo.svg", "logo: https://example.org/logo.svg"),
    "brand-logo-script.brand": _brand.replace("logo: styles/brand/logo.svg", "logo: handouts/images/script.svg"),
    "people-character-no-font-has.people": _people.replace("name: Phoebe Carter", "name: Phoebe Carter (陈)"),
    "brand-character-no-font-has.brand": _brand.replace("name: Test Health Trust", "name: Test Health Trust ☤ 医院"),
}

ASSETS = {
    "file-ref.svg": '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" '
                    'height="10"><image xlink:href="file:///etc/passwd" width="10" height="10"/></svg>',
    "http-ref.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                    '<image href="https://example.org/track.png" width="10" height="10"/></svg>',
    "script.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script>'
                  '<rect width="10" height="10"/></svg>',
    "entities.svg": '<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
                    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
                    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&b;</text></svg>',
    "css-import.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><style>@import '
                      '"https://example.org/x.css"; rect { fill: url(file:///etc/passwd) }</style>'
                      '<rect width="10" height="10"/></svg>',
    "onload.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="alert(1)">'
                  '<rect width="10" height="10"/></svg>',
    "broken.svg": '<svg xmlns="http://www.w3.org/2000/svg"><rect></svg>',
    "fake.png": "this is not a PNG",
}


def main():
    for name, text in CASES.items():
        (HERE / f"{name}.yaml").write_text(text, encoding="utf-8")
    for name, data in BYTES.items():
        (HERE / f"{name}.yaml").write_bytes(data)
    for name, text in SHARED.items():
        (HERE / f"{name}.yaml").write_text(text, encoding="utf-8")
    (HERE / "assets").mkdir(exist_ok=True)
    for name, text in ASSETS.items():
        (HERE / "assets" / name).write_text(text, encoding="utf-8")
    (HERE / "assets" / "utf16.svg").write_bytes(ASSETS["entities.svg"].replace('<?xml version="1.0"?>',
                                                '<?xml version="1.0" encoding="UTF-16"?>').encode("utf-16"))
    print(len(CASES) + len(BYTES) + len(SHARED), "cases")


if __name__ == "__main__":
    main()
