"""The print layout as HTML, for a browser: what the PDF is made from, with its stylesheets linked."""

from __future__ import annotations

from publisher.outputs.base import Job, Output
from publisher.render import html


def render(job: Job) -> bytes:
    return html.preview(job.catalogue, job.leaflet, job.paper, job.edition, job.marks).encode("utf-8")


PREVIEW_OUTPUT = Output("preview", ".preview.html", "text/html", "the print layout as HTML, for a browser", render=render,
                        label="Print layout (HTML)")
