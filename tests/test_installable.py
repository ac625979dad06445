"""The tool as installed: `python -m publisher`, the `leaflets` command, sub-commands, versions, the lock, Windows."""

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest
from conftest import MINIMAL, REPO
from pdfutil import page_texts

from publisher import __version__
from publisher.build import github
from publisher.cli import main as cli
from publisher.core.errors import Problem
from publisher.govern import governance


def run_module(*args, cwd):
    """`python -m publisher ARGS` from another folder, with the repository on the import path only."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "publisher", *args], cwd=cwd, env=env, capture_output=True, text=True)


def test_version_is_single_sourced():
    pyproject = (REPO / "pyproject.toml").read_text()
    assert 'version = { attr = "publisher.__version__" }' in pyproject
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)


def test_python_m_publisher_version(tmp_path):
    run = run_module("--version", cwd=tmp_path)
    assert (run.returncode, run.stdout, run.stderr) == (0, f"leaflets {__version__}\n", "")


def test_python_m_publisher_checks_a_project_from_another_folder(project, tmp_path):
    project.leaflet("ankle")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = run_module("--project", str(project.root), "check", "--today", "2026-11-25", cwd=elsewhere)
    assert (run.returncode, run.stdout, run.stderr) == (
        0, "1 leaflet checked, 1 valid: 0 errors, 0 warnings, 0 waived.\n", "")


def test_the_project_defaults_to_the_current_folder(project):
    project.leaflet("ankle")
    run = run_module("check", "-q", "--today", "2026-11-25", cwd=project.root)
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")


def test_usage_errors_name_the_command_that_was_run(tmp_path):
    run = run_module("--nope", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.splitlines()[-2:] == ["Error: unrecognized arguments: --nope",
                                            "Try 'python -m publisher --help' for help."]


def test_leaflets_console_command(project, tmp_path):
    """The entry point `make` installs (pip install -e .) into the virtual environment."""
    command = Path(sys.executable).parent / ("leaflets.exe" if os.name == "nt" else "leaflets")
    if not command.exists():
        pytest.skip("the package is not installed in this environment (make installs it)")
    project.leaflet("ankle")
    run = subprocess.run([str(command), "--version"], cwd=tmp_path, capture_output=True, text=True)
    assert (run.returncode, run.stdout) == (0, f"leaflets {__version__}\n")
    run = subprocess.run([str(command), "check", "--project", str(project.root), "--today", "2026-11-25"],
                         cwd=tmp_path, capture_output=True, text=True)
    assert (run.returncode, run.stdout, run.stderr) == (
        0, "1 leaflet checked, 1 valid: 0 errors, 0 warnings, 0 waived.\n", "")
    run = subprocess.run([str(command), "--frobnicate"], cwd=tmp_path, capture_output=True, text=True)
    assert run.stderr.splitlines()[-1] == "Try 'leaflets --help' for help."


# -- the wheel, installed: a PDF from an empty folder ------------------------------------------------------------

# What a wheel is built from: the repository less what it does not ship (its top-level folders of these names).
_LEFT_OUT = {".git", ".venv", "build", "dist", "drafts", "archive", "leaflets.egg-info", "tests", "bench",
             ".pytest_cache", ".hypothesis"}


def _not_built_from(folder: str, names: list[str]) -> set[str]:
    return {n for n in names if n == "__pycache__" or (Path(folder) == REPO and n in _LEFT_OUT)}


def _in_venv(python: Path, key: str) -> Path:
    """A sysconfig path of the virtual environment `python` runs in ('purelib', 'scripts')."""
    run = subprocess.run([str(python), "-c", f"import sysconfig; print(sysconfig.get_paths()[{key!r}])"],
                         capture_output=True, text=True, check=True)
    return Path(run.stdout.strip())


@pytest.mark.slow
def test_the_installed_wheel_makes_a_pdf_in_an_empty_folder(tmp_path):
    """pip install of the wheel (not editable), then `leaflets new` and `leaflets` where there is nothing else."""
    source, wheels, venv, empty = (tmp_path / name for name in ("source", "wheels", "venv", "empty"))
    shutil.copytree(REPO, source, ignore=_not_built_from)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the installed package, not this checkout
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", str(source),
                    "-w", str(wheels)], env=env, check=True, capture_output=True)
    # A fresh environment holding the wheel alone; its dependencies come from this one's site-packages (a path
    # line, so this one's own install of the tool, an editable one, stays out).
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    (_in_venv(python, "purelib") / "dependencies.pth").write_text(
        str(Path(sysconfig.get_paths()["purelib"]).resolve()) + "\n", encoding="utf-8")
    [wheel] = wheels.glob("leaflets-*.whl")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index",
                    str(wheel)], env=env, check=True, capture_output=True)
    command = _in_venv(python, "scripts") / ("leaflets.exe" if os.name == "nt" else "leaflets")
    installed = _in_venv(python, "purelib") / "publisher"
    assert (installed / "_defaults" / "styles" / "fonts" / "OFL-NotoSans.txt").is_file()  # fonts with their licences
    empty.mkdir()
    new = subprocess.run([str(command), "new", "my-leaflet"], cwd=empty, env=env, capture_output=True, text=True)
    assert (new.returncode, new.stderr) == (0, "")
    assert new.stdout.splitlines()[3:] == [
        f"the tool's own templates/, styles/, schema/ serve this project, which has none - to change them, copy them "
        f"from {installed / '_defaults'} into it",
        "created handouts/my-leaflet.yaml (MPA-0001) from the example - replace its words, then check it: "
        "leaflets check handouts/my-leaflet.yaml"]
    build = subprocess.run([str(command)], cwd=empty, env=env, capture_output=True, text=True)
    assert (build.returncode, build.stderr) == (0, "")
    assert build.stdout.splitlines()[0].startswith("built drafts/my-leaflet.pdf (4 pages, ")
    first = page_texts(empty / "drafts" / "my-leaflet.pdf")[0]
    assert first.startswith("Your Organisation MPA-0001\r\nMy leaflet\r\nMost sprains and strains"), first[:80]
    assert not (empty / "templates").exists() and not (empty / "styles").exists()


# -- sub-commands: global options before or after ---------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["-q", "check"], ["check", "-q"], ["--quiet", "check", "--today", "2026-11-25"],
])
def test_global_options_before_or_after_the_command(project, capsys, args):
    project.leaflet("ankle")
    where = args.index("check")
    args[where:where] = ["--project", str(project.root)]
    assert cli.main([*args, "--today=2026-11-25"]) == 0
    assert capsys.readouterr() == ("", "")


def test_project_before_the_command(project, capsys):
    project.leaflet("ankle")
    assert cli.main(["--project", str(project.root), "check", "--today=2026-11-25"]) == 0
    assert capsys.readouterr().out == "1 leaflet checked, 1 valid: 0 errors, 0 warnings, 0 waived.\n"


def test_a_bare_path_and_the_build_command_both_build(project, capsys):
    path = project.leaflet("ankle")
    assert cli.main(["--project", str(project.root), "-q", str(path), "-j1", "--today=2026-11-25"]) == 0
    assert (project.root / "drafts" / "ankle.pdf").exists()  # a plain build makes drafts
    assert cli.main(["build", "--project", str(project.root), "-j1", "--today=2026-11-25", "-q"]) == 0
    assert capsys.readouterr() == ("", "")


def test_quiet_check_prints_problems_but_not_waived_findings(project, capsys):
    project.leaflet("ankle", MINIMAL.replace("sources:\n  - citation: Example source for tests.\n", "")
                    + "sources_note: None yet.\nwaivers:\n  sources: Drafted before the evidence review.\n")
    project.leaflet("bad", MINIMAL.replace("title:", "titel:"))
    code, out, err = project.run("check", "-q", capsys=capsys)
    assert code == 1
    assert err == ("handouts/bad.yaml:1:1: missing required field 'title' - add 'title:'\n"
                   "handouts/bad.yaml:1:1: titel: unknown field - did you mean 'title'?\n"
                   "2 leaflets checked, 1 valid: 2 errors, 0 warnings, 1 waived.\n")


def test_version_after_a_command(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["check", "--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"leaflets {__version__}\n"


# -- check --format github --------------------------------------------------------------------------------------


def test_check_format_github_exact_output(project, capsys):
    project.leaflet("ankle", MINIMAL.replace("next_review: 2028-01-10", "next_review: 2026-12-01")
                    .replace("sources:\n  - citation: Example source for tests.\n", "")
                    + "sources_note: None yet.\nwaivers:\n  sources: Drafted before the evidence review.\n")
    project.leaflet("bad", MINIMAL.replace("reviewers: [rebecca-fernandez]", "reviewers: [nobody]"))
    code, out, err = project.run("check", "--format", "github", capsys=capsys)
    assert code == 1
    assert out == (
        "::warning file=handouts/ankle.yaml,line=9,col=16,title=review-due-soon::the review is due on 2026-12-01, "
        "in 6 days - start the review\n"
        "::notice file=handouts/ankle.yaml,line=16,col=15,title=sources::no sources are listed - list the evidence "
        "under 'sources:', or say why there is none in 'sources_note:' [waived: Drafted before the evidence review.]\n"
        "::error file=handouts/bad.yaml,line=12,col=15,title=validation::credits.reviewers[0]: unknown person 'nobody' "
        "- use an id from people.yaml (phoebe-carter, rebecca-fernandez), or add the person there\n")
    assert err == "2 leaflets checked, 1 valid: 1 error, 1 warning, 1 waived.\n"


def test_github_commands_escape_data_and_properties():
    problem = Problem("handouts/a,b:c.yaml", 3, 7, "title", "100% sure\r\nsecond line")
    finding = governance.Finding("x.yaml", 1, 2, "", "a: b, c", "warning", "rule:one,two")
    report = type("Report", (), {"shared_located": [problem], "entries": [
        type("Entry", (), {"located": [finding]})()]})()
    assert github.workflow_commands(report) == [
        "::error file=handouts/a%2Cb%3Ac.yaml,line=3,col=7,title=validation::title: 100%25 sure%0D%0Asecond line",
        "::warning file=x.yaml,line=1,col=2,title=rule%3Aone%2Ctwo::a: b, c",
    ]


# -- the lock and Windows ---------------------------------------------------------------------------------------


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)", line)
        if match:
            pins[re.sub(r"[-_.]+", "-", match[1]).lower()] = match[2]
    return pins


def test_the_lock_agrees_with_the_requirements_and_has_hashes():
    for requirements, lock in (("requirements.txt", "requirements.lock"), ("requirements-dev.txt", "requirements-dev.lock")):
        wanted, locked = _pins(REPO / requirements), _pins(REPO / lock)
        if requirements == "requirements-dev.txt":
            wanted |= _pins(REPO / "requirements.txt")
        assert {name: locked.get(name) for name in wanted} == wanted, f"{lock} is stale - run make lock"
        lines = (REPO / lock).read_text().splitlines()
        unhashed = [line for line, after in zip(lines, lines[1:] + [""], strict=True)
                    if re.match(r"^[A-Za-z0-9]", line) and not after.strip().startswith("--hash=sha256:")]
        assert unhashed == []


def test_every_module_imports_without_posix_only_modules():
    """Windows has no fcntl, resource, pwd, grp or terminal modules: every module must import without them."""
    missing = sorted(POSIX_ONLY_MODULES - {"posix"})  # os itself is built on posix
    modules = sorted(".".join(p.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
                     for p in (REPO / "publisher").rglob("*.py") if p.stem != "__main__")
    code = ("import sys\n"
            f"for name in {missing!r}:\n"
            "    sys.modules[name] = None\n"
            "import importlib, json\n"
            f"for name in {modules!r}:\n"
            "    importlib.import_module(name)\n"
            f"print(json.dumps(sorted(m for m in {missing!r} if sys.modules.get(m))))\n")
    # filelock says, without fcntl, that it falls back to soft locks; on Windows it uses LockFileEx instead.
    run = subprocess.run([sys.executable, "-W", "ignore:only soft file lock:UserWarning", "-c", code], cwd=REPO,
                         capture_output=True, text=True)
    assert (run.returncode, run.stdout, run.stderr) == (0, "[]\n", "")
    assert len(modules) >= 18
    assert json.loads(run.stdout) == []


# -- nothing POSIX-only (or Windows-only) without a fallback --------------------------------------------------

POSIX_ONLY_MODULES = {"crypt", "curses", "fcntl", "grp", "nis", "posix", "pty", "pwd", "readline", "resource", "spwd",
                      "syslog", "termios", "tty"}
WINDOWS_ONLY_MODULES = {"_winapi", "msvcrt", "nt", "winreg", "winsound"}
# Names that exist on one platform's `os`, `signal` or `time` only.
PLATFORM_ONLY_NAMES = {
    "os": {"O_BINARY", "O_CLOEXEC", "O_DIRECTORY", "O_NOCTTY", "O_NOFOLLOW", "O_NOINHERIT", "O_NONBLOCK", "O_SYNC",
           "WNOHANG", "add_dll_directory", "chown", "chroot", "fchmod", "fchown", "fork", "forkpty", "getegid",
           "geteuid", "getgid", "getgroups", "getloadavg", "getpgid", "getpgrp", "getsid", "getuid", "killpg",
           "lchmod", "lchown", "mkfifo", "mknod", "nice", "openpty", "pipe2", "posix_fadvise", "pread", "pwrite",
           "sched_getaffinity", "sched_setaffinity", "setgid", "setpgrp", "setsid", "setuid", "startfile", "statvfs",
           "sync", "sysconf", "ttyname", "uname", "wait3", "wait4"},
    "signal": {"CTRL_BREAK_EVENT", "CTRL_C_EVENT", "ITIMER_PROF", "ITIMER_REAL", "ITIMER_VIRTUAL", "SIGALRM",
               "SIGBREAK", "SIGCHLD", "SIGCONT", "SIGHUP", "SIGKILL", "SIGPIPE", "SIGQUIT", "SIGSTOP", "SIGTSTP",
               "SIGUSR1", "SIGUSR2", "SIGWINCH", "alarm", "getitimer", "pause", "pthread_kill", "pthread_sigmask",
               "setitimer", "siginterrupt", "sigwait"},
    "time": {"tzset"},
}
POSIX_PATHS = re.compile(r"^/(bin|dev|etc|proc|tmp|usr|var)/|\.so(\.\d+)*$")
# An exception that catches what a missing module, name or library raises.
CAUGHT = {"AttributeError", "Exception", "ImportError", "ModuleNotFoundError", "OSError"}


class _PlatformScan(ast.NodeVisitor):
    """Finds platform-only modules, names, paths and library names used outside a platform check or a fallback."""

    def __init__(self):
        self.found: list[tuple[int, str]] = []
        self.guards = 0
        self.checks: set[str] = set()  # names bound to a platform check: `alarm = hasattr(signal, "SIGALRM")`

    def is_check(self, node) -> bool:
        for part in ast.walk(node):
            if isinstance(part, ast.Attribute) and isinstance(part.value, ast.Name) and \
                    (part.value.id, part.attr) in {("sys", "platform"), ("os", "name"), ("platform", "system")}:
                return True
            if isinstance(part, ast.Call) and isinstance(part.func, ast.Name) and part.func.id in {"hasattr", "getattr"}:
                return True
            if isinstance(part, ast.Name) and part.id in self.checks:
                return True
        return False

    def guarded(self, nodes) -> None:
        self.guards += 1
        for node in nodes if isinstance(nodes, list) else [nodes]:
            self.visit(node)
        self.guards -= 1

    def body(self, statements: list) -> None:
        """Statements in order: after `if <check>: return` (or raise), the rest runs only where the check failed."""
        for index, statement in enumerate(statements):
            self.visit(statement)
            if isinstance(statement, ast.If) and self.is_check(statement.test) and statement.body and \
                    isinstance(statement.body[-1], (ast.Return, ast.Raise, ast.Continue)):
                self.guarded(statements[index + 1:])
                return

    def generic_visit(self, node):
        for field, value in ast.iter_fields(node):
            if field in {"body", "orelse", "finalbody"} and isinstance(value, list) and \
                    not isinstance(node, (ast.If, ast.Try, ast.With)):
                self.body(value)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        self.visit(item)
            elif isinstance(value, ast.AST):
                self.visit(value)

    def visit_Assign(self, node):
        if self.is_check(node.value):
            self.checks |= {target.id for target in node.targets if isinstance(target, ast.Name)}
        self.generic_visit(node)

    def visit_If(self, node):
        self.visit(node.test)
        if self.is_check(node.test):
            self.guarded(node.body)
            self.guarded(node.orelse)
        else:
            self.body(node.body)
            self.body(node.orelse)

    def visit_IfExp(self, node):
        if self.is_check(node.test):
            self.guarded([node.test, node.body, node.orelse])
        else:
            self.generic_visit(node)

    def visit_BoolOp(self, node):
        if self.is_check(node):
            self.guarded(node.values)
        else:
            self.generic_visit(node)

    def visit_Try(self, node):
        caught = any(handler.type is None or any(isinstance(n, ast.Name) and n.id in CAUGHT
                                                 for n in ast.walk(handler.type)) for handler in node.handlers)
        if caught:
            self.guarded(node.body)
        else:
            self.body(node.body)
        for handler in node.handlers:
            self.visit(handler)
        self.body(node.orelse)
        self.body(node.finalbody)

    def visit_With(self, node):
        suppress = any(isinstance(item.context_expr, ast.Call) and isinstance(item.context_expr.func, ast.Attribute)
                       and item.context_expr.func.attr == "suppress" for item in node.items)
        for item in node.items:
            self.visit(item)
        if suppress:
            self.guarded(node.body)
        else:
            self.body(node.body)

    def report(self, node, what: str) -> None:
        if not self.guards:
            self.found.append((node.lineno, what))

    def visit_Import(self, node):
        for alias in node.names:
            if alias.name.split(".")[0] in POSIX_ONLY_MODULES | WINDOWS_ONLY_MODULES:
                self.report(node, f"import {alias.name}")

    def visit_ImportFrom(self, node):
        module = node.module or ""
        if module.split(".")[0] in POSIX_ONLY_MODULES | WINDOWS_ONLY_MODULES:
            self.report(node, f"from {module} import ...")
        for alias in node.names:
            if alias.name in PLATFORM_ONLY_NAMES.get(module, ()):
                self.report(node, f"{module}.{alias.name}")

    def visit_Attribute(self, node):
        if isinstance(node.value, ast.Name) and node.attr in PLATFORM_ONLY_NAMES.get(node.value.id, ()):
            self.report(node, f"{node.value.id}.{node.attr}")
        self.generic_visit(node)

    def visit_Constant(self, node):
        if isinstance(node.value, str) and POSIX_PATHS.search(node.value):
            self.report(node, repr(node.value))


def platform_only(source: str) -> list[tuple[int, str]]:
    """(line, what) for each platform-only module, name, path or library name used without a check or fallback."""
    scan = _PlatformScan()
    scan.visit(ast.parse(source))
    return scan.found


def test_nothing_platform_only_is_used_without_a_check_or_a_fallback():
    """Every POSIX-only call has a fallback (and the other way round): the package runs on Linux, macOS and Windows."""
    files = sorted((REPO / "publisher").rglob("*.py")) + [REPO / "build.py"]
    found = [f"{path.relative_to(REPO).as_posix()}:{line}: {what}" for path in files
             for line, what in platform_only(path.read_text(encoding="utf-8"))]
    assert found == []
    assert len(files) > 50


def test_the_platform_scan_finds_what_is_unguarded_and_passes_what_is_guarded():
    source = textwrap.dedent('''\
        import fcntl
        import os, signal, sys
        from signal import SIGKILL
        os.kill(pid, signal.SIGHUP)
        CDLL("liblouis.so.20"), open("/dev/null")
        try:
            import resource
        except ImportError:
            resource = None
        if sys.platform == "win32":
            import msvcrt
        else:
            os.fchmod(fd, 0o644)
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
        alarm = hasattr(signal, "SIGALRM") and timeout > 0
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 1)
        with contextlib.suppress(Exception):
            os.setsid()
        def alive(pid):
            if os.name == "nt":
                return True
            os.killpg(pid, 0)
        uid = os.getuid() if hasattr(os, "getuid") else 0
        os.getuid()
        ''')
    assert platform_only(source) == [(1, "import fcntl"), (3, "signal.SIGKILL"), (4, "signal.SIGHUP"),
                                     (5, "'liblouis.so.20'"), (5, "'/dev/null'"), (25, "os.getuid")]


def test_a_file_held_open_on_windows_is_replaced_once_its_reader_lets_go(tmp_path, monkeypatch):
    """Windows refuses os.replace onto a file a reader holds open: write_atomic waits and tries again, there only."""
    from publisher.core import files
    target = tmp_path / "ankle.pdf"
    target.write_bytes(b"old")
    replace, refusals = os.replace, []

    def held_open_twice(source, destination):
        if len(refusals) < 2:
            refusals.append(destination)
            raise PermissionError(13, "The process cannot access the file because it is being used by another process")
        replace(source, destination)
    monkeypatch.setattr(os, "replace", held_open_twice)
    with pytest.raises(PermissionError):  # Linux and macOS never wait: there a reader never blocks a replace
        files.write_atomic(target, b"new")
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["ankle.pdf"]
    monkeypatch.setattr(files, "REPLACE_WAITS", (0.01, 0.01, 0.01))  # as on Windows
    files.write_atomic(target, b"new")
    assert target.read_bytes() == b"new" and len(refusals) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["ankle.pdf"]


# -- the workflow runs the tests on Linux, macOS and Windows ----------------------------------------------------


def test_the_workflow_tests_on_linux_macos_and_windows_and_the_docs_name_what_it_installs():
    """Lint and tests on Ubuntu; the tests on macOS and Windows, with the packages docs/platforms.md names."""
    import yaml
    jobs = yaml.safe_load((REPO / ".github" / "workflows" / "leaflets.yml").read_text(encoding="utf-8"))["jobs"]
    linux = [step.get("run", "") for step in jobs["test"]["steps"]]
    assert jobs["test"]["runs-on"] == "ubuntu-latest" and "make lint" in linux
    assert any(run.startswith("make test") for run in linux)
    elsewhere = jobs["test-elsewhere"]
    assert elsewhere["strategy"]["matrix"]["os"] == ["macos-latest", "windows-latest"]
    steps = {step.get("name", step.get("uses", "")): step for step in elsewhere["steps"]}
    assert steps["Test (macOS)"]["run"] == 'make test PYTEST_ARGS="--junitxml=test-results.xml"'
    assert steps["Test (Windows)"]["run"].endswith("scripts/ci.py test --junitxml=test-results.xml")
    msys2 = steps["System packages (Windows, MSYS2)"]["with"]["install"].split()
    homebrew = re.search(r"for formula in ([^;]+);", (REPO / "scripts" / "system-deps.sh").read_text()).group(1).split()
    docs = (REPO / "docs" / "platforms.md").read_text(encoding="utf-8")
    assert f"brew install {' '.join(homebrew)}" in docs
    assert f"pacman -S {' '.join(msys2)}" in docs
    assert {"mingw-w64-ucrt-x86_64-pango", "mingw-w64-ucrt-x86_64-poppler"} <= set(msys2)
    assert {"pango", "liblouis", "espeak-ng", "lame", "poppler"} == set(homebrew)


def test_scripts_ci_without_a_command_says_how_to_use_it(tmp_path):
    run = subprocess.run([sys.executable, str(REPO / "scripts" / "ci.py")], cwd=tmp_path, capture_output=True,
                         text=True)
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr.splitlines()[:3] == [
        "`make deps`, `make test` and `make lint` where there is no make (Windows), or no Debian (macOS): one Python "
        "script.", "", "    python scripts/ci.py test [PYTEST ARGS]     (Windows: py scripts\\ci.py test)"]
