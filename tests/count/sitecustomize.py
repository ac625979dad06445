"""Counts WeasyPrint's work in every process of a test run: `PYTHONPATH=$PWD:tests/count LEAFLETS_COUNT=file pytest`.

Each layout and each PDF written appends one line to the file named by LEAFLETS_COUNT: the kind, and the test
that asked (pytest's PYTEST_CURRENT_TEST, which subprocesses inherit). `python tests/count/tally.py file` sums it.
A load-independent figure for the suite's cost, beside its time on a shared machine.
"""

import importlib.abc
import importlib.machinery
import os
import sys

_FILE = os.environ.get("LEAFLETS_COUNT")


def _log(kind: str) -> None:
    line = f"{kind}\t{os.environ.get('PYTEST_CURRENT_TEST', '-').rsplit(' ', 1)[0]}\n"
    fd = os.open(_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def _patch(weasyprint) -> None:
    render, write_pdf = weasyprint.HTML.render, weasyprint.document.Document.write_pdf

    def counted_render(self, *args, **kwargs):
        _log("layout")
        return render(self, *args, **kwargs)

    def counted_write_pdf(self, *args, **kwargs):
        _log("pdf")
        return write_pdf(self, *args, **kwargs)

    weasyprint.HTML.render = counted_render
    weasyprint.document.Document.write_pdf = counted_write_pdf


class _Finder(importlib.abc.MetaPathFinder):
    """Patches weasyprint as it is first imported, so processes that never render pay nothing."""

    def find_spec(self, name, path=None, target=None):
        if name != "weasyprint":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        exec_module = loader.exec_module

        def patched(module):
            exec_module(module)
            _patch(module)

        loader.exec_module = patched  # type: ignore[method-assign]
        return spec


if _FILE:
    sys.meta_path.insert(0, _Finder())
