"""`make deps`, `make test` and `make lint` where there is no make (Windows), or no Debian (macOS): one Python script.

    python scripts/ci.py test [PYTEST ARGS]     (Windows: py scripts\\ci.py test)
    python scripts/ci.py lint
    python scripts/ci.py base-python            (the Python .venv is made from: the Makefile asks here too)

It makes .venv and installs the locked dependencies (with hashes) and the package into it, as the Makefile does,
then runs the command there. The system packages are installed per operating system first (docs/platforms.md).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def environment() -> dict[str, str]:
    """This environment, with what WeasyPrint needs to find Pango on macOS (Homebrew's prefix)."""
    env = dict(os.environ)
    brew = shutil.which("brew")
    if sys.platform == "darwin" and brew and "DYLD_FALLBACK_LIBRARY_PATH" not in env:
        prefix = subprocess.run([brew, "--prefix"], capture_output=True, text=True, check=True).stdout.strip()
        env["DYLD_FALLBACK_LIBRARY_PATH"] = f"{prefix}/lib"
    return env


def base_python() -> str:
    """The Python .venv is made from, as the Makefile chooses it: $PYTHON; else the distribution's /usr/bin/python3
    where it is 3.11 or later (built with profile-guided optimisation); else the Python running this script."""
    if os.environ.get("PYTHON"):
        return shutil.which(os.environ["PYTHON"]) or os.environ["PYTHON"]
    system = Path("/usr/bin/python3")
    if sys.platform.startswith("linux") and system.exists():
        newer = subprocess.run([str(system), "-c", "import sys; print(sys.version_info >= (3, 11))"],
                               capture_output=True, text=True)
        if newer.stdout.strip() == "True":
            return str(system)
    return sys.executable


def _real(command: list[str]) -> str:
    """The real path of the interpreter a command prints (sys.executable or sys._base_executable)."""
    return subprocess.run(command, capture_output=True, text=True).stdout.strip()


def deps() -> None:
    """The virtual environment with the locked dependencies and the package, as `make deps` makes it."""
    base = base_python()
    wanted = _real([base, "-c", "import os, sys; print(os.path.realpath(sys.executable))"])
    if PYTHON.exists() and _real([str(PYTHON), "-c", "import os, sys; print(os.path.realpath(sys._base_executable))"]) \
            != wanted:
        print(f"Making {VENV.name} again, from {base} ({wanted})")
        shutil.rmtree(VENV)
    if not PYTHON.exists():
        subprocess.run([base, "-m", "venv", str(VENV)], check=True)
    pip = [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--require-hashes", "-r", str(ROOT / "requirements-dev.lock")], check=True)
    subprocess.run([*pip, "--no-deps", "--no-build-isolation", "-e", str(ROOT)], check=True)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"deps", "test", "lint", "base-python"}:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    if argv[0] == "base-python":
        print(base_python())
        return 0
    deps()
    if argv[0] == "test":
        command = [[str(PYTHON), "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-q", *argv[1:]]]
    elif argv[0] == "lint":
        command = [[str(BIN / "ruff"), "check", "publisher"], [str(BIN / "mypy"), "publisher"]]
    else:
        command = []
    # As make test: bytecode written even where PYTHONDONTWRITEBYTECODE is set (the Makefile says why).
    env = {**environment(), "PYTHONDONTWRITEBYTECODE": ""}
    for each in command:
        code = subprocess.run(each, cwd=ROOT, env=env).returncode
        if code:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
