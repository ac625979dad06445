"""Plain-language measures: Flesch reading ease, an approximate reading age, long sentences.

Written here rather than taken from textstat, whose current release downloads
a pronunciation dictionary from the network on first use; a build never does.
Syllables are counted with the usual vowel-group rule, as readability tools
did before pronunciation dictionaries: an approximation, good to a point or
two of reading ease, which is what a threshold needs.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata

_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")
# A sentence ends at . ! or ? followed by space and a capital, a digit or the end;
# "Dr." and "e.g." and the like do not end one.
_ABBREVIATIONS = ("Dr.", "Mr.", "Mrs.", "Ms.", "e.g.", "i.e.", "etc.", "St.", "vs.", "No.")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z0-9\"'(])")


@dataclasses.dataclass
class Scores:
    """Readability of one piece of text."""

    words: int
    sentences: int
    syllables: int

    @property
    def reading_ease(self) -> float:
        """Flesch reading ease: 60-70 is plain English; higher is easier."""
        if not self.words:
            return 100.0
        return 206.835 - 1.015 * self.words / self.sentences - 84.6 * self.syllables / self.words

    @property
    def reading_age(self) -> float:
        """Flesch-Kincaid grade plus 5: the UK reading age in years."""
        if not self.words:
            return 5.0
        return 0.39 * self.words / self.sentences + 11.8 * self.syllables / self.words - 15.59 + 5


def syllables(word: str) -> int:
    """Syllables in one English word, by vowel groups."""
    word = word.lower().replace("’", "'").split("'")[0]
    if len(word) <= 3:
        return 1
    word = re.sub(r"(?:[^laeiouy]es|[^laeiouy]ed|[^laeiouy]e)$", lambda m: m.group(0)[0], word)
    word = re.sub(r"^y", "", word)
    return max(1, len(re.findall(r"[aeiouy]+", word)))


def sentences(text: str) -> list[str]:
    """The sentences of plain text (Markdown already removed), list items counting as sentences."""
    found = []
    for block in re.split(r"\n\s*\n|\n(?=\s*(?:[-*+]|\d+[.)])\s)", text):
        block = " ".join(block.split())
        if not block:
            continue
        protected = block
        for abbreviation in _ABBREVIATIONS:
            protected = protected.replace(abbreviation, abbreviation.replace(".", "\0"))
        found += [part.replace("\0", ".") for part in _SENTENCE_END.split(protected) if part.strip()]
    return found


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def _ranges(flags) -> list[str]:
    """A character class's ranges ("\u0300-\u036f") for the code points whose flag is true."""
    out, start = [], None
    for code, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = code
        elif not flag and start is not None:
            out.append(f"{re.escape(chr(start))}-{re.escape(chr(code - 1))}")
            start = None
    return out


# Other languages: letters of any script; a sentence ends at . ! ? (Arabic ؟, Urdu ۔, the Bengali and
# Hindi danda । and double danda ॥) followed by space and anything but a lower-case letter, or at once
# after a full-width 。！？ (no space follows them).
_ANY_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+(?:[.,:]\d+)*")
# Combining marks (a Bengali vowel sign, an Arabic vowel mark) are part of their word, though not \w.
_MARKS = re.compile("[" + "".join(_ranges(unicodedata.category(chr(c)).startswith("M") for c in range(0x10000)))
                    + "]")
_ANY_END = re.compile(r"(?<=[.!?؟۔\u0964\u0965])[\"')\]»”]*\s+(?=[^\sa-z])|(?<=[。！？])[”」』）]*\s*")
# Han ideographs, kana and the full-width forms of CJK text: each is one unit of length.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_RUN = re.compile(r"[A-Za-z0-9]+(?:[.,:'’/-][A-Za-z0-9]+)*")  # a Latin word or number inside CJK text


def sentences_in(text: str, language: str) -> list[str]:
    """The sentences of plain text in any language (English as `sentences`)."""
    from publisher.i18n import languages
    if languages.primary(language) == "en":
        return sentences(text)
    found = []
    for block in re.split(r"\n\s*\n|\n(?=\s*(?:[-*+]|\d+[.)])\s)", text):
        block = " ".join(block.split())
        if block:
            found += [part.strip() for part in _ANY_END.split(block) if part.strip()]
    return found


def length(sentence: str, language: str) -> int:
    """A sentence's length in the unit its script is measured in: characters for Chinese and Japanese, else words.

    In Chinese and Japanese text each ideograph or kana counts one, and a Latin
    word or number inside it (NHS, 111) counts one, as a word would.
    """
    from publisher.i18n import languages
    if languages.primary(language) == "en":
        return len(words(sentence))
    if languages.counts_characters(language):
        return len(_CJK.findall(sentence)) + len(_RUN.findall(sentence))
    return len(_ANY_WORD.findall(_MARKS.sub("", sentence)))


def score(texts: list[str]) -> Scores:
    """Scores for some texts taken together."""
    all_sentences = [s for text in texts for s in sentences(text)]
    all_words = [w for s in all_sentences for w in words(s)]
    return Scores(len(all_words), max(1, sum(1 for s in all_sentences if words(s))),
                  sum(syllables(w) for w in all_words))
