"""Machine-readable build reports: JSON for scripts, JUnit XML for CI dashboards."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from publisher import __version__
from publisher.build.batch import Report
from publisher.core.files import write_atomic


def as_dict(report: Report, project_root: Path) -> dict:
    """The report as plain data: a summary and one entry per leaflet."""
    def shown(path):
        if path is None:
            return None
        try:
            return Path(path).resolve().relative_to(project_root).as_posix()
        except ValueError:
            return str(path)
    return {
        "tool": f"leaflet publisher {__version__}",
        "summary": {
            "built": report.count("built"), "unchanged": report.count("unchanged"),
            "removed": report.count("removed"), "left_out": report.count("skipped"), "failed": len(report.failed),
            "shared_errors": report.shared_errors, "seconds": round(report.seconds, 3),
            "workers": report.workers,
            "worker_peak_rss_mb": round(max(report.worker_peak_rss_mb.values(), default=0), 1),
            "worker_peak_private_mb": round(max(report.worker_peak_private_mb.values(), default=0), 1),
            "pages_laid_out": report.layouts,
        },
        "leaflets": [
            {"source": r.name, "status": r.status, "output": shown(r.output), "language": r.language or None,
             "pages": r.pages, "bytes": r.bytes,
             "seconds": round(r.seconds, 3), "errors": r.errors, "warnings": r.warnings}
            for r in report.results
        ],
    }


def write_json(report: Report, project_root: Path, path: Path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    write_atomic(Path(path), (json.dumps(as_dict(report, project_root), indent=2) + "\n").encode("utf-8"))


def write_junit(report: Report, path: Path) -> None:
    """One test case per leaflet; failures carry every error, so CI shows them per leaflet."""
    failures = len(report.failed) + (1 if report.shared_errors else 0)
    suites = ET.Element("testsuites")
    suite = ET.SubElement(suites, "testsuite", name="leaflets", tests=str(len(report.results) + bool(report.shared_errors)),
                          failures=str(failures), errors="0", skipped=str(report.count("skipped")), time=f"{report.seconds:.3f}")
    if report.shared_errors:
        case = ET.SubElement(suite, "testcase", classname="leaflets", name="people.yaml and brand.yaml", time="0")
        failure = ET.SubElement(case, "failure", message=report.shared_errors[0])
        failure.text = "\n".join(report.shared_errors)
    for result in report.results:
        case = ET.SubElement(suite, "testcase", classname="leaflets", name=result.name, time=f"{result.seconds:.3f}")
        if result.status == "failed":
            failure = ET.SubElement(case, "failure", message=(result.errors or ["failed"])[0])
            failure.text = "\n".join(result.errors)
        elif result.warnings:
            ET.SubElement(case, "system-err").text = "\n".join(result.warnings)
        if result.status == "skipped":
            ET.SubElement(case, "skipped", message=(result.warnings or ["left out"])[0])
        if result.status in ("unchanged", "removed"):
            ET.SubElement(case, "system-out").text = result.status
    ET.indent(suites)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    write_atomic(Path(path), ET.tostring(suites, encoding="utf-8", xml_declaration=True) + b"\n")
