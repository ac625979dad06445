"""Check image files before rendering: an SVG must not pull anything in from elsewhere."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from publisher.source.project import Project

MAX_IMAGE_BYTES = 5_000_000

_REFERENCE_ATTRIBUTES = {"href", "{http://www.w3.org/1999/xlink}href", "src"}
_CSS_URL = re.compile(r"(?:url\(\s*['\"]?|@import\s+['\"])\s*([^'\")\s]*)", re.IGNORECASE)
_MAGIC = {".png": (b"\x89PNG\r\n\x1a\n",), ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",)}


def _local(target: str) -> bool:
    """A reference that stays inside the image: a fragment, or embedded data."""
    return target.startswith("#") or target.lower().startswith("data:") or target == ""


def problems(path: Path) -> list[str]:
    """What is wrong with an image file, as messages; [] when it is safe to render."""
    data = Path(path).read_bytes()
    if len(data) > MAX_IMAGE_BYTES:
        return [f"image is {len(data)} bytes, more than the limit of {MAX_IMAGE_BYTES} - make it smaller"]
    suffix = Path(path).suffix.lower()
    if suffix in _MAGIC:
        if not data.startswith(_MAGIC[suffix]):
            return [f"file is not a {suffix[1:].upper()} image - check that the file is what its name says"]
        return []
    return _svg_problems(data)


def _svg_problems(data: bytes) -> list[str]:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return ["SVG is not saved as UTF-8 - export it again as UTF-8"]
    if b"<!ENTITY" in data or b"<!DOCTYPE" in data:
        return ["SVG declares a DOCTYPE or entities, which could pull in other files - remove the DOCTYPE"]
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        return [f"SVG is not well-formed XML ({exc}) - export it again from your drawing program"]
    if root.tag not in ("svg", "{http://www.w3.org/2000/svg}svg"):
        return ["file is not an SVG image (its root element is not <svg>)"]
    found = [message for element in root.iter() for message in _element_problems(element)]
    return list(dict.fromkeys(found))


def _element_problems(element: ET.Element) -> list[str]:
    """What one SVG element has that could run code or pull in another file."""
    tag = element.tag.rsplit("}", 1)[-1]
    found = []
    if tag in ("script", "foreignObject"):
        found.append(f"SVG contains <{tag}>, which is not allowed in a printed leaflet - remove it")
    for name, value in element.attrib.items():
        if name in _REFERENCE_ATTRIBUTES and not _local(value.strip()):
            found.append(f"SVG refers to '{value.strip()}' outside the image - embed it or remove it")
        elif name.startswith("on"):
            found.append(f"SVG has an event handler ({name}) - remove it")
        else:
            found += [f"SVG refers to '{target}' outside the image - embed it or remove it"
                      for target in _CSS_URL.findall(value) if not _local(target)]
    css = (element.text or "") if tag == "style" else element.attrib.get("style", "")
    found += [f"SVG style refers to '{target}' outside the image - embed it or remove it"
              for target in _CSS_URL.findall(css) if not _local(target)]
    return found


def check(project: Project, source, base: Path, path, relative: str, found: list,
          roots: list[Path] | None = None) -> None:
    """Add to `found` what is wrong with an image a file names: outside the project, missing, or unsafe."""
    target = base / relative
    if not project.contains(target):
        found.append(source.problem(path, f"'{relative}' is outside the project - keep images inside the project folder"))
    elif roots and not any(target.resolve().is_relative_to(root.resolve()) for root in roots):
        shown = ", ".join(project.relative(root) + "/" for root in roots)
        found.append(source.problem(path, f"'{relative}' is not in a folder images may come from ({shown}) - move it"))
    elif not target.is_file():
        found.append(source.problem(path, f"file '{project.relative(target)}' not found - check the name, or add the file"))
    else:
        found += [source.problem(path, f"'{relative}': {message}") for message in problems(target)]
