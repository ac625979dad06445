"""Size limits on what a leaflet may bring in: the YAML file, each image, each data: URI. Each at and past the limit."""

import base64

import pytest

from conftest import MINIMAL
from publisher.outputs.pdf import engine as pdf
from publisher.source import content, yamlsource
from publisher.source.assets import MAX_IMAGE_BYTES
from publisher.core.errors import RenderError

WITH_IMAGE = MINIMAL.replace("    body: Rest", "    image: {file: images/big.png, alt: A picture}\n    body: Rest")


def padded(text: str, size: int) -> bytes:
    """The leaflet with a trailing comment that brings the file to exactly `size` bytes."""
    data = text.encode() + b"# "
    return data + b"x" * (size - len(data) - 1) + b"\n"


@pytest.mark.parametrize("size, ok", [(yamlsource.MAX_BYTES, True), (yamlsource.MAX_BYTES + 1, False)])
def test_a_leaflet_file_over_1_mb_is_refused(project, capsys, size, ok):
    (project.root / "handouts" / "big.yaml").write_bytes(padded(MINIMAL, size))
    code, out, err = project.run("check", capsys=capsys)
    if ok:
        assert (code, err) == (0, "")
    else:
        assert code == 1
        assert err.splitlines()[0] == ("handouts/big.yaml:1:1: file is 1000001 bytes, more than the limit of 1000000 "
                                       "- split it")


@pytest.mark.parametrize("size, ok", [(MAX_IMAGE_BYTES, True), (MAX_IMAGE_BYTES + 1, False)])
def test_an_image_over_5_mb_is_refused(project, capsys, size, ok):
    png = b"\x89PNG\r\n\x1a\n"
    project.write("handouts/images/big.png", "")
    (project.root / "handouts" / "images" / "big.png").write_bytes(png + b"\0" * (size - len(png)))
    project.leaflet("x", WITH_IMAGE)
    code, out, err = project.run("check", capsys=capsys)
    if ok:
        assert (code, err) == (0, "")
    else:
        assert code == 1
        assert err.splitlines()[0] == ("handouts/x.yaml:15:19: sections[0].image.file: 'images/big.png': image is "
                                       "5000001 bytes, more than the limit of 5000000 - make it smaller")


def svg_data_uri(size: int) -> str:
    """A data: URI of exactly `size` characters holding a small SVG padded with a comment."""
    head = "data:image/svg+xml;base64,"
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><!--'
    tail = b'--></svg>'
    room = (size - len(head)) // 4 * 3 - len(svg) - len(tail)
    uri = head + base64.b64encode(svg + b"x" * room + tail).decode()
    assert len(uri) == size
    return uri


@pytest.mark.parametrize("size, ok", [(pdf.MAX_DATA_URI - 2, True), (pdf.MAX_DATA_URI + 2, False)])
def test_a_data_uri_over_2_mb_is_refused(project, size, ok):
    uri = svg_data_uri(size)
    html = f'<html><body><img src="{uri}" alt=""></body></html>'
    if ok:
        assert pdf.render_pdf(content.Project(project.root), "handouts/x.yaml", html).pages == 1
    else:
        with pytest.raises(RenderError) as refused:
            pdf.render_pdf(content.Project(project.root), "handouts/x.yaml", html)
        assert str(refused.value) == (f"handouts/x.yaml: refused to load {uri[:40]}...: data: URI larger than "
                                      "2000000 bytes")


def test_a_data_uri_over_2_mb_inside_an_svg_image_fails_the_leaflet(project, capsys):
    """Past validation (data: stays inside the image), the sandbox still refuses it, and the PDF is not written."""
    uri = svg_data_uri(pdf.MAX_DATA_URI + 2)
    project.write("handouts/images/big.svg", '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                  f'<image href="{uri}" width="10" height="10"/></svg>')
    project.leaflet("x", WITH_IMAGE.replace("images/big.png", "images/big.svg"))
    code, out, err = project.run(capsys=capsys)
    assert code == 1
    assert err.splitlines() == [f"handouts/x.yaml: refused to load {uri[:40]}...: data: URI larger than 2000000 bytes",
                                "built 0, unchanged 0, removed 0, failed 1 (1 error) in T s"]
    assert not (project.root / "dist" / "x.pdf").exists()
