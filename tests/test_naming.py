"""Output file names: made and read back by publisher/outputs/naming.py alone, for every format, edition and language."""

import pytest

from publisher.core import editions
from publisher.outputs import base as outputs
from publisher.outputs import naming

LANGUAGES = (None, "cy", "ar", "zh-Hans", "en-GB")


def test_every_format_edition_and_language_round_trips():
    seen = set()
    for output in outputs.REGISTRY.values():
        for edition in output.editions:
            for language in LANGUAGES:
                for stem in ("ankle", "back-pain.v2"):
                    name = naming.name(stem, language, edition, output)
                    assert naming.parse(name, stem) == naming.Named(stem, language, edition, output)
                    if stem == "ankle":  # without the stem, a last part Babel knows is the language
                        assert naming.parse(name) == naming.Named(stem, language, edition, output)
                    seen.add(name)
    count = sum(len(o.editions) for o in outputs.REGISTRY.values()) * len(LANGUAGES) * 2
    assert len(seen) == count  # no two outputs share a name
    assert {"bilingual", "booklet", "bilingual-booklet", "bilingual-print", "print"} <= set(outputs.REGISTRY)


def test_easy_read_is_named_only_in_its_own_formats():
    for name in editions.EASY_READ_FORMATS:
        file_name = naming.name("ankle.easy-read", None, editions.DEFAULT_EDITION, name)
        assert naming.parse(file_name) == naming.Named("ankle.easy-read", None, "standard", outputs.REGISTRY[name])
    assert naming.name("ankle.easy-read", None, "standard", "preview") == "ankle.easy-read.preview.html"
    with pytest.raises(naming.NotAnOutput) as caught:
        naming.parse("ankle.easy-read.mp3")
    assert str(caught.value) == "'ankle.easy-read.mp3': an Easy Read is not made as mp3"


@pytest.mark.parametrize("name, edition, language, output, expected", [
    ("x", "standard", None, "pdf", "x.pdf"),
    ("x", "large-print", "cy", "pdf", "x.cy.large-print.pdf"),
    ("x", "standard", "cy", "bilingual", "x.cy.bilingual.pdf"),
    ("x", "large-print", "cy", "bilingual", "x.cy.large-print.bilingual.pdf"),
    ("x", "standard", "cy", "bilingual-booklet", "x.cy.bilingual.booklet.pdf"),
    ("x", "standard", None, "booklet", "x.booklet.pdf"),
    ("x", "standard", None, "transcript", "x.transcript.txt"),
])
def test_names_follow_one_rule(name, edition, language, output, expected):
    assert naming.name(name, language, edition, output) == expected
    assert naming.name(name, language, edition, outputs.REGISTRY[output]) == expected


def test_a_translation_is_its_sources_in_a_language_or_its_own_stem():
    pdf = outputs.REGISTRY["pdf"]
    assert naming.parse("ankle.cy.pdf", "ankle") == naming.Named("ankle", "cy", "standard", pdf)
    assert naming.parse("ankle.cy.pdf", "ankle.cy") == naming.Named("ankle.cy", None, "standard", pdf)
    assert naming.parse("ankle.v2.pdf") == naming.Named("ankle.v2", None, "standard", pdf)  # not a language


@pytest.mark.parametrize("file_name, stem, message", [
    ("x.unknown", None, "'x.unknown' is not an output's file name - it ends in none of the formats' suffixes (.pdf, "
                        ".html, .preview.html, .brf, .pef, .mp3, .transcript.txt, .bilingual.pdf, .booklet.pdf, "
                        ".print.pdf, .bilingual.booklet.pdf, .bilingual.print.pdf)"),
    ("y.pdf", "x", "'y.pdf' is not an output of 'x' - its name does not start with 'x.'"),
    ("x.b.c.pdf", "x", "'x.b.c.pdf': 'b.c' is not a language tag - an output's name is "
                       "'<stem>[.<language>][.<edition>].pdf'"),
    ("x.large-print.large-print.pdf", "x", "'x.large-print.large-print.pdf': 'large-print' is not a language tag - "
                                           "an output's name is '<stem>[.<language>][.<edition>].pdf'"),
    ("x.large-print.html", None, "'x.large-print.html': the html output is not made in the large-print edition"),
    ("x.large-print.mp3", "x", "'x.large-print.mp3': the mp3 output is not made in the large-print edition"),
    ("x.standard.pdf", "x", "'x.standard.pdf': 'standard' is not a language tag - an output's name is "
                            "'<stem>[.<language>][.<edition>].pdf'"),
])
def test_names_that_are_not_outputs_are_refused_with_the_reason(file_name, stem, message):
    with pytest.raises(naming.NotAnOutput) as caught:
        naming.parse(file_name, stem)
    assert str(caught.value) == message
    assert naming.parsed(file_name, stem) is None
