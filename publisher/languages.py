"""Languages: what the governance rules need to know about a BCP 47 tag (its name, script, case, how to count)."""

from __future__ import annotations

import functools

import babel
import babel.core

# Scripts whose letters have capitals: sentence-case and all-caps rules mean something only there.
CASED_SCRIPTS = {"Latn", "Cyrl", "Grek", "Armn", "Copt", "Glag"}
# Written without spaces between words: a sentence is measured in characters, not words.
CHARACTER_SCRIPTS = {"Hans", "Hant", "Hani", "Jpan"}
# Readability formulas validated for a language (its primary subtag), with what they are. Only
# English has one here: Flesch reading ease and Flesch-Kincaid were fitted to English text, and
# their syllable weights mean nothing in other languages. See README "Translations".
READABILITY_FORMULAS = {"en": "Flesch reading ease and Flesch-Kincaid grade"}


def primary(tag: str) -> str:
    """The language subtag, lower case: 'zh' of 'zh-Hans'."""
    return tag.split("-")[0].lower()


@functools.cache
def script(tag: str) -> str:
    """The tag's script (ISO 15924): given in the tag ('zh-Hant'), else the language's usual one (CLDR), else Latn."""
    for part in tag.split("-")[1:]:
        if len(part) == 4 and part.isalpha():
            return part.title()
    likely = babel.core.get_global("likely_subtags").get(primary(tag), "")
    parts = likely.split("_")
    return parts[1] if len(parts) > 1 and len(parts[1]) == 4 else "Latn"


@functools.cache
def name(tag: str) -> str:
    """The language's English name ('Welsh'), or the tag itself when CLDR does not know it."""
    try:
        return babel.Locale.parse(tag, sep="-").english_name or tag
    except (ValueError, TypeError, babel.UnknownLocaleError):
        return tag


# CLDR calls Hans "Simplified": say what a reader of the message knows.
_SCRIPT_NAMES = {"Hans": "Han (simplified Chinese characters)", "Hant": "Han (traditional Chinese characters)",
                 "Jpan": "Japanese (kanji and kana)"}


def script_name(tag: str) -> str:
    """The English name of the tag's script: 'Arabic'."""
    code = script(tag)
    return _SCRIPT_NAMES.get(code) or babel.Locale("en").scripts.get(code, code)


def has_case(tag: str) -> bool:
    return script(tag) in CASED_SCRIPTS


def counts_characters(tag: str) -> bool:
    """Whether sentences in this language are measured in characters (Chinese, Japanese) rather than words."""
    return script(tag) in CHARACTER_SCRIPTS


def readability_formula(tag: str) -> str | None:
    """The validated readability formula for this language, or None."""
    return READABILITY_FORMULAS.get(primary(tag))


def same(a: str, b: str) -> bool:
    """Whether two tags name the same language variety (BCP 47 tags are case-insensitive)."""
    return a.lower() == b.lower()
