"""Numbers written out as words before speech, for voices whose own number reading cannot be trusted.

espeak-ng 1.51's Arabic voice reads past the end of a buffer when it turns digits into words: "999", "19" or
"4567" come out with a stray phoneme (or "Invalid phoneme code") that depends on what memory held, so the
same text gave different audio from run to run and with the environment. Words with their vowels marked
avoid that code, and espeak-ng says them the same way every time.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# num2words' Arabic number words, with the vowels (harakat) marked so that espeak-ng says them fully.
_ARABIC_VOWELLED = {
    "صفر": "صِفْر", "واحد": "وَاحِد", "أحد": "أَحَدَ", "اثنان": "اِثْنَان", "اثنا": "اِثْنَا",
    "ثلاثة": "ثَلَاثَة", "أربعة": "أَرْبَعَة", "خمسة": "خَمْسَة", "ستة": "سِتَّة", "سبعة": "سَبْعَة",
    "ثمانية": "ثَمَانِيَة", "تسعة": "تِسْعَة", "عشرة": "عَشَرَة", "عشر": "عَشَرَ",
    "عشرون": "عِشْرُون", "ثلاثون": "ثَلَاثُون", "أربعون": "أَرْبَعُون", "خمسون": "خَمْسُون", "ستون": "سِتُّون",
    "سبعون": "سَبْعُون", "ثمانون": "ثَمَانُون", "تسعون": "تِسْعُون",
    "مائة": "مِائَة", "مئتان": "مِئَتَان", "مئتا": "مِئَتَا", "ثلاثمائة": "ثَلَاثُمِائَة", "أربعمائة": "أَرْبَعُمِائَة",
    "خمسمائة": "خَمْسُمِائَة", "ستمائة": "سِتُّمِائَة", "سبعمائة": "سَبْعُمِائَة", "ثمانمائة": "ثَمَانِمِائَة",
    "تسعمائة": "تِسْعُمِائَة",
    "ألف": "أَلْف", "ألفا": "أَلْفَا", "ألفان": "أَلْفَان", "ألفاً": "أَلْفًا", "آلاف": "آلَاف",
    "مليون": "مِلْيُون", "مليونا": "مِلْيُونَا", "مليونان": "مِلْيُونَان", "ملايين": "مَلَايِين", "مليار": "مِلْيَار",
}
# num2words ends 200, 2000 and 2000000 with the dual's construct form ("مئتا"), which needs a noun after it.
_ARABIC_ALONE = {"مئتا": "مئتان", "ألفا": "ألفان", "مليونا": "مليونان"}
_ARABIC_AND = "وَ"
_ARABIC_POINT = "فَاصِلَة"
# A number: digits (any script's), thousands grouped by a comma, and a decimal part.
_NUMBER = re.compile(r"(?<![\d.,٫٬])(\d{1,3}(?:[,٬]\d{3})+|\d+)(?:[.٫](\d+))?(?![\d٫٬])")
_LONGEST = 12  # digits read as one number; a longer run (a code, an account number) is read digit by digit


def _arabic_cardinal(digits: str) -> str:
    from num2words import num2words

    raw = num2words(int(digits), lang="ar").split()
    raw[-1] = _ARABIC_ALONE.get(raw[-1], raw[-1])
    words: list[str] = []
    for word in raw:
        if word == "و":
            words.append(_ARABIC_AND)
        elif words and words[-1] == _ARABIC_AND:
            words[-1] += _ARABIC_VOWELLED.get(word, word)
        else:
            words.append(_ARABIC_VOWELLED.get(word, word))
    return " ".join(words)


def _arabic_digits(digits: str) -> str:
    """A run read as a whole number, or digit by digit where a leading zero or its length says it is a code."""
    if len(digits) > 1 and (digits[0] in "0٠" or len(digits) > _LONGEST):
        return " ".join(_arabic_cardinal(digit) for digit in digits)
    return _arabic_cardinal(digits)


def _arabic(text: str) -> str:
    def say(match: re.Match) -> str:
        whole = _arabic_digits(re.sub(r"[,٬]", "", match[1]))
        return f"{whole} {_ARABIC_POINT} {_arabic_digits(match[2])}" if match[2] else whole

    return _NUMBER.sub(say, text)


# By a language tag's first part: the voices whose numbers are written out before they speak.
SPELLERS: dict[str, Callable[[str], str]] = {"ar": _arabic}


def spell(language: str, text: str) -> str:
    """`text` with its numbers as words where the language's voice needs it, else `text` unchanged."""
    speller = SPELLERS.get(language.split("-")[0].lower())
    return speller(text) if speller else text
