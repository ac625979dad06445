"""liblouis through ctypes: translate text to braille and back, with the tables the system has.

The Debian python3-louis module is built for the system Python, not for a
virtual environment, so the project calls the shared library itself.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import sys

from publisher.core.errors import PublisherError

MISSING = ("liblouis is not installed - install it (Debian/Ubuntu: apt-get install liblouis20 liblouis-data; "
           "macOS: brew install liblouis) to make braille")
# Homebrew's libraries on macOS: Apple silicon's prefix, then Intel's.
_HOMEBREW = ("/opt/homebrew/lib", "/usr/local/lib") if sys.platform == "darwin" else ()
_LOG_OFF = 2147483647  # LOU_LOG_OFF: a missing table is our message to give, not liblouis's on stderr


class LouisError(PublisherError):
    """liblouis is missing, or could not translate."""


@functools.cache
def library() -> ctypes.CDLL:
    """The loaded liblouis, or LouisError saying how to install it."""
    names = _candidates()
    if not names:
        raise LouisError(f"Error: {MISSING}")
    try:
        lib = _load(names)
    except OSError as exc:
        raise LouisError(f"Error: liblouis could not be loaded ({exc}) - {MISSING}")
    lib.lou_version.restype = ctypes.c_char_p
    lib.lou_charSize.restype = ctypes.c_int
    lib.lou_getTable.restype = ctypes.c_void_p
    lib.lou_getTable.argtypes = [ctypes.c_char_p]
    lib.lou_setLogLevel.argtypes = [ctypes.c_int]
    lib.lou_setLogLevel(_LOG_OFF)
    for name in ("lou_translateString", "lou_backTranslateString"):
        function = getattr(lib, name)
        function.restype = ctypes.c_int
        function.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_int), ctypes.c_void_p,
                             ctypes.POINTER(ctypes.c_int), ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
    return lib


def _candidates() -> list[str]:
    """Where liblouis may be, most likely first: the system's search, then each platform's usual name."""
    names = [ctypes.util.find_library("louis")]
    if sys.platform == "win32":  # ctypes looks for <name>.dll on PATH: liblouis's builds call it liblouis.dll
        names += [ctypes.util.find_library("liblouis"), ctypes.util.find_library("liblouis-20")]
    # dyld does not search Homebrew's prefix on Apple silicon
    names += [path for path in (os.path.join(prefix, "liblouis.dylib") for prefix in _HOMEBREW) if os.path.exists(path)]
    return list(dict.fromkeys(name for name in names if name))


def _load(names: list[str]) -> ctypes.CDLL:
    """The first of `names` that loads; the first one's error when none does."""
    errors = []
    for name in names:
        try:
            return ctypes.CDLL(name)
        except OSError as exc:
            errors.append(exc)
    raise errors[0]


def available() -> bool:
    """Whether liblouis can be loaded here."""
    try:
        library()
    except LouisError:
        return False
    return True


def version() -> str:
    """liblouis's version, e.g. '3.24.0'."""
    return library().lou_version().decode("ascii")


@functools.cache
def has_table(tables: str) -> bool:
    """Whether liblouis finds and compiles this table list (e.g. 'en-us-brf.dis,en-ueb-g2.ctb')."""
    return bool(library().lou_getTable(tables.encode("utf-8")))


def _encoding() -> str:
    # widechar is 16 or 32 bits, as liblouis was built.
    return "utf-16-le" if library().lou_charSize() == 2 else "utf-32-le"


BOLD = 4  # liblouis's emph_3, which the UEB tables define as bold


def _call(function_name: str, tables: str, text: str, typeform: list[int] | None = None) -> str:
    lib = library()
    encoding = _encoding()
    size = lib.lou_charSize()
    data = text.encode(encoding)
    length = len(data) // size
    room = length * 4 + 64  # contractions shrink, capitals and numbers grow: plenty, and checked below
    while True:
        in_len, out_len = ctypes.c_int(length), ctypes.c_int(room)
        out = ctypes.create_string_buffer(room * size)
        # liblouis writes the output's typeforms back into this array, so it is as long as the output buffer.
        forms = (ctypes.c_ushort * room)(*typeform[:length]) if typeform and any(typeform) else None
        ok = getattr(lib, function_name)(tables.encode("utf-8"), data, ctypes.byref(in_len), out,
                                         ctypes.byref(out_len), forms, None, 0)
        if not ok:
            raise LouisError(f"Error: liblouis could not translate with {tables} - check that liblouis-data is "
                             "installed")
        # A full output buffer may have cut the text short (liblouis then reads less of the input): try a larger one.
        if in_len.value >= length and out_len.value < room:
            return out.raw[:out_len.value * size].decode(encoding)
        if room > 64 * length + 4096:
            raise LouisError(f"Error: liblouis gave more braille than expected for {length} characters with {tables}")
        room *= 4


def translate(tables: str, text: str, typeform: list[int] | None = None) -> str:
    """Text in braille, as the table list's display table writes it (ASCII braille with en-us-brf.dis).

    `typeform` gives each character's emphasis (0 plain, BOLD), as many as the text has characters.
    """
    return _call("lou_translateString", tables, text, typeform)


def back_translate(tables: str, braille: str) -> str:
    """Braille back to print, as liblouis reads it (for checking a transcription, not for readers)."""
    return _call("lou_backTranslateString", tables, braille)
