"""How WeasyPrint is imported: quickly, without a compiler and without fontTools' parts no leaflet of ours needs.

Workarounds 11 and 14 of docs/weasyprint-workarounds.md. Neither reaches into WeasyPrint's internals (those are all
in weasyfixes.py, whose install() imports WeasyPrint through these): one answers ctypes' library search, the other
defers two of fontTools' modules.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator

# --- Finding WeasyPrint's C libraries -----------------------------------------------------------------------------

@contextlib.contextmanager
def libraries_found_quickly() -> Iterator[None]:
    """Let `import weasyprint` find its C libraries on Linux without running a compiler.

    WeasyPrint tries several names for each of its seven libraries (libgobject-2.0-0, gobject-2.0-0, gobject-2.0,
    libgobject-2.0.so.0, ...). cffi asks ctypes.util.find_library about each name that does not load as it is,
    and on Linux that runs `ldconfig -p` and, for a name ldconfig does not list, gcc and then ld: 86 programs and
    about 0.15 s of CPU in every process that imports WeasyPrint (Kozea/WeasyPrint#1125). Here `ldconfig -p` runs
    once, and its listing answers. A name it does not list is not found, which is what gcc and ld answer too,
    unless LIBRARY_PATH or LD_LIBRARY_PATH points them elsewhere: then, and where ldconfig cannot run, Python's
    own search answers as before.
    """
    import ctypes.util
    import subprocess
    import sys

    original = ctypes.util.find_library
    if not sys.platform.startswith("linux") or os.environ.get("LD_LIBRARY_PATH") or os.environ.get("LIBRARY_PATH"):
        yield
        return
    try:
        listing = subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, text=True, check=True, timeout=10,
                                 env={"LC_ALL": "C", "LANG": "C"}).stdout
    except (OSError, subprocess.SubprocessError):
        yield
        return
    # As ctypes.util._findSoname_ldconfig: a library for this machine's word size and ABI.
    bits = "-64" if sys.maxsize > 2**32 else "-32"
    abi = {"x86_64-64": "libc6,x86-64", "ppc64-64": "libc6,64bit", "sparc64-64": "libc6,64bit",
           "s390x-64": "libc6,64bit", "ia64-64": "libc6,IA-64"}.get(os.uname().machine + bits, "libc6")

    def find_library(name: str) -> str | None:
        found = re.search(rf"\s+(lib{re.escape(name)}\.[^\s]+)\s+\({re.escape(abi)}", listing)
        return found.group(1) if found else None

    ctypes.util.find_library = find_library
    try:
        yield
    finally:
        ctypes.util.find_library = original


@contextlib.contextmanager
def font_tools_on_demand() -> Iterator[None]:
    """Let `import weasyprint` leave fontTools' subsetter and variable-font instancer unloaded until used.

    weasyprint.pdf.fonts imports both (about 60 ms, a quarter of its import) for what it does without HarfBuzz's
    subsetter or with a variable or colour font; our fonts need neither. fontTools.subset is given as a module that
    loads on first use (importlib's LazyLoader); the instancer, imported by name, as a function that imports it
    when called: fontTools.varLib stands in only while WeasyPrint is imported, so any other import gets the real one.
    """
    import importlib.util
    import sys
    import types

    import fontTools

    stand_ins: dict = {}
    if "fontTools.subset" not in sys.modules and (spec := importlib.util.find_spec("fontTools.subset")) and spec.loader:
        spec.loader = importlib.util.LazyLoader(spec.loader)
        fontTools.subset = sys.modules["fontTools.subset"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(fontTools.subset)
    if "fontTools.varLib" not in sys.modules:
        def instantiateVariableFont(*args, **kwargs):  # noqa: N802 - fontTools' name
            return importlib.import_module("fontTools.varLib.instancer").instantiateVariableFont(*args, **kwargs)

        stand_ins = {"fontTools.varLib": types.ModuleType("fontTools.varLib"),
                     "fontTools.varLib.instancer": types.ModuleType("fontTools.varLib.instancer")}
        stand_ins["fontTools.varLib"].__path__ = []
        stand_ins["fontTools.varLib.instancer"].instantiateVariableFont = instantiateVariableFont
        sys.modules.update(stand_ins)
    try:
        yield
    finally:
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
        if getattr(fontTools, "varLib", None) is stand_ins.get("fontTools.varLib"):
            vars(fontTools).pop("varLib", None)
