"""Plain words: the project's list of words patients may not know (plain-words.yaml), and finding them in text."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from publisher.core import caches
from publisher.source.project import Project
from publisher.source.schema import load_checked

FILE = "plain-words.yaml"
SCHEMA = "plain-words.schema.json"


@dataclasses.dataclass(frozen=True)
class Words:
    """The list: each word or phrase, the everyday words for it, and one pattern finding them all."""

    alternatives: dict  # lower-case word -> plain words
    pattern: re.Pattern | None

    def find(self, text: str) -> list[tuple[str, str]]:
        """(the word as written, its plain alternative) for each listed word in `text`, in order, each once."""
        if self.pattern is None:
            return []
        found: dict[str, tuple[str, str]] = {}
        for match in self.pattern.finditer(text):
            key = " ".join(match.group("word").lower().split())
            found.setdefault(key, (match.group(0), self.alternatives[key]))
        return list(found.values())


NONE = Words({}, None)


def compile_words(alternatives: dict) -> Words:
    """A Words for a {word: plain words} mapping: whole words, any case, with their -s, -ed and -ing forms."""
    words = {" ".join(k.lower().split()): v for k, v in alternatives.items()}
    if not words:
        return NONE
    # Longest first, so "prior to" wins over a shorter entry inside it; spaces match any run of spaces.
    choices = "|".join(r"\s+".join(map(re.escape, w.split())) for w in sorted(words, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w-])(?P<word>{choices})(?:s|es|ed|d|ing)?(?![\w-])", re.IGNORECASE)
    return Words(words, pattern)


_loaded: dict = {}
caches.register(_loaded.clear)


def load(project: Project) -> tuple[Words, list]:
    """The project's plain-words list and the problems in its file: (NONE, []) when the project has none."""
    path = Path(project.root) / FILE
    try:
        stat = path.stat()
    except OSError:
        return NONE, []
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _loaded:
        source, problems = load_checked(project, path, SCHEMA)
        words = compile_words(source.data["words"]) if source is not None and not problems else NONE
        _loaded.clear()
        _loaded[key] = words, problems
    return _loaded[key]
