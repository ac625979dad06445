#!/bin/sh
# Install the system libraries WeasyPrint needs, and the browser the tests use, where we can.
# Pango renders text; libharfbuzz-subset0 makes font subsetting about 6x faster
# (without it WeasyPrint falls back to fontTools, which works but is slow).
# poppler-utils gives the tests pdffonts (every font in a PDF must be one we ship).
# chromium and chromium-driver run the web edition's browser tests
# (tests/test_web.py); building leaflets does not need them.
# liblouis (braille), espeak-ng and lame (audio) make the braille and audio editions.
# postgresql lets the desk's tests start a throwaway cluster.
# faketime runs the command line under a clock years ahead (tests/test_clock.py).
# python3-venv lets the distribution's python3 make .venv, where the Makefile chooses it (3.11 or later).
set -u

# macOS: Homebrew's formulae, as WeasyPrint's documentation says for Pango (docs/platforms.md). Google Chrome
# and chromedriver, PostgreSQL and faketime are not installed here: their tests skip, saying so, where they are missing.
if [ "$(uname -s)" = Darwin ]; then
  if ! command -v brew >/dev/null 2>&1; then
    echo "note: install Homebrew (https://brew.sh), then: brew install pango liblouis espeak-ng lame poppler" >&2
    exit 1
  fi
  missing=""
  for formula in pango liblouis espeak-ng lame poppler; do
    brew list --versions "$formula" >/dev/null 2>&1 || missing="$missing $formula"
  done
  [ -z "$missing" ] && exit 0
  echo "Installing with Homebrew:$missing"
  brew install $missing
  exit $?
fi

have() { ldconfig -p 2>/dev/null | grep -q "$1"; }

missing=""
have libpango-1.0.so.0 || missing="$missing libpango-1.0-0"
have libpangoft2-1.0.so.0 || missing="$missing libpangoft2-1.0-0"
have libharfbuzz-subset.so.0 || missing="$missing libharfbuzz-subset0"
command -v pdffonts >/dev/null 2>&1 || missing="$missing poppler-utils"
[ -x /usr/bin/chromium ] || missing="$missing chromium"
[ -x /usr/bin/chromedriver ] || missing="$missing chromium-driver"
have liblouis.so.20 || missing="$missing liblouis20"
[ -d /usr/share/liblouis/tables ] || missing="$missing liblouis-data"
command -v espeak-ng >/dev/null 2>&1 || missing="$missing espeak-ng"
command -v lame >/dev/null 2>&1 || missing="$missing lame"
command -v pg_ctlcluster >/dev/null 2>&1 || missing="$missing postgresql"
command -v faketime >/dev/null 2>&1 || missing="$missing faketime"
if /usr/bin/python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  /usr/bin/python3 -c 'import ensurepip, venv' 2>/dev/null || missing="$missing python3-venv"
fi
[ -z "$missing" ] && exit 0

if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    SUDO=""
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    SUDO=none
  fi
  if [ "$SUDO" != none ]; then
    echo "Installing system libraries:$missing"
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null && exit 0
    echo "warning: apt-get could not install$missing" >&2
  fi
fi

cat >&2 <<MSG
note: could not install$missing automatically.
  Debian/Ubuntu:  sudo apt-get install$missing
  Fedora:         sudo dnf install pango harfbuzz poppler-utils chromium chromedriver
  macOS:          brew install pango harfbuzz poppler
Without libharfbuzz-subset0 leaflets still build, but font subsetting falls
back to fontTools and each PDF takes several times longer. Without
poppler-utils or chromium and chromium-driver leaflets build, but the font
tests cannot run pdffonts and the web edition's tests cannot run.
MSG
case "$missing" in *pango*) exit 1 ;; esac
exit 0
