"""The build on a terminal: a progress bar, with each leaflet's line and the summary above it."""

import os
import pty
import re
import subprocess
import sys

from conftest import MINIMAL, REPO, TODAY

COLOUR = re.compile(r"\x1b\[[0-9;]*m")
MOVES = re.compile(r"\x1b\[[0-9;?]*[A-Za-ln-z]|\r")  # cursor moves, erasing, hiding the cursor


def on_a_terminal(*args) -> tuple[int, str]:
    """Run build.py with stdout and stderr on a pseudo-terminal; (exit code, what the screen received)."""
    controller, terminal = pty.openpty()
    # Wide enough that rich does not wrap a message: the test reads whole lines.
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "200", "LINES": "40"}
    env.pop("NO_COLOR", None)
    run = subprocess.Popen([sys.executable, "build.py", *args], cwd=REPO, stdin=subprocess.DEVNULL, stdout=terminal,
                           stderr=terminal, env=env)
    os.close(terminal)
    received = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closed: Linux says EIO
            break
        if not chunk:
            break
        received += chunk
    os.close(controller)
    return run.wait(timeout=120), received.decode("utf-8", "replace")


def test_a_terminal_gets_the_progress_bar(project):
    project.leaflet("ankle")
    project.leaflet("broken", MINIMAL.replace("reviewers: [rebecca-fernandez]", "reviewers: [nobody]"))
    code, screen = on_a_terminal("--project", str(project.root), "--today", TODAY, "-j1")
    assert code == 1
    assert "\x1b[" in screen  # drawn with escape codes: the bar, not the plain lines
    # The bar is redrawn in place: cursor moves and carriage returns end a piece of screen text.
    lines = [line.strip() for line in MOVES.sub("\n", COLOUR.sub("", screen)).splitlines() if line.strip()]
    assert any(re.fullmatch(r"building ━+ [012]/2 ETA [-:0-9]+", line) for line in lines)
    assert ("handouts/broken.yaml:12:15: credits.reviewers[0]: unknown person 'nobody' - use an id from people.yaml "
            "(phoebe-carter, rebecca-fernandez), or add the person there") in lines
    assert any(re.fullmatch(r"built drafts/ankle\.pdf \(2 pages, \d+ KB, \d+\.\d s\)", line) for line in lines)
    assert re.fullmatch(r"built 1, unchanged 0, removed 0, failed 1 \(1 error\) in \d+\.\d s", lines[-1])
