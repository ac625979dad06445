"""Build hook: the wheel carries the tool's default templates, styles and schemas, as publisher/_defaults.

They stay at the repository's top level, where a checkout's project uses them; they are copied into the wheel
as it is built, never committed twice. publisher/source/project.py finds them in either place.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
# The folders a project may leave out (project.DEFAULT_FOLDERS), and the example `leaflets new` starts from.
DEFAULTS = ("templates", "styles", "schema", "docs/example-leaflet.yaml")


class BuildWithDefaults(build_py):
    """build_py, then the defaults copied in beside the code."""

    def run(self):
        super().run()
        if self.editable_mode:
            return  # an editable install reads them from the checkout itself
        target = Path(self.build_lib) / "publisher" / "_defaults"
        for name in DEFAULTS:
            source, copy = HERE / name, target / name
            copy.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, copy, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(source, copy)


setup(cmdclass={"build_py": BuildWithDefaults})
