"""Safe parsing: no entity expansion, no local file read, no network; DOCTYPEs are refused."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest

from auditkit.readers.ilr import ILRFileError, read_ilr
from tests import ilr_strategies as ilrs

PASSWD = Path("/etc/passwd")


def _body(family_name: str) -> str:
    """An ILR with one learner whose FamilyName is ``family_name`` (an entity reference in these tests)."""
    text = ilrs.ilr_text([ilrs.minimal_learner("L1", FamilyName="PLACEHOLDER")])
    text = text.replace("PLACEHOLDER", family_name)
    return text.split("\n", 1)[1]  # without the XML declaration: the DOCTYPE goes in between


LAUGHS = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
#: kind: (DOCTYPE, what the FamilyName holds)
DOCTYPES = {
    "billion laughs": (f'<!DOCTYPE Message [<!ENTITY lol0 "lol">{LAUGHS}]>', "&lol9;"),
    "external entity": ('<!DOCTYPE Message [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "&xxe;"),
    "parameter entity": ('<!DOCTYPE Message [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>', "Smith"),
}


def _marker() -> str:
    """The first line of /etc/passwd, which must never show up in what is read."""
    if not PASSWD.exists():
        pytest.skip("no /etc/passwd here")
    return PASSWD.read_text().splitlines()[0]


def _all_text(data) -> str:
    return "\n".join(df.astype(str).to_csv() for df in data.frames.values())


@pytest.fixture
def server():
    """A local HTTP server recording every request, to prove no DTD is fetched."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            body = b'<!ENTITY ext "FETCHED">'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", hits
    httpd.shutdown()
    httpd.server_close()


def _variants(doctype: str, reference: str) -> dict[str, bytes]:
    """The DOCTYPE right after the XML declaration, after 8 KiB of comment, and in a UTF-16 file."""
    plain = f'<?xml version="1.0" encoding="utf-8"?>\n{doctype}\n{_body(reference)}'
    padded = f'<?xml version="1.0" encoding="utf-8"?>\n<!--{"x" * 8192}-->\n{doctype}\n{_body(reference)}'
    utf16 = plain.replace('encoding="utf-8"', 'encoding="UTF-16"')
    return {"plain": plain.encode("utf-8"), "padded": padded.encode("utf-8"), "utf-16": utf16.encode("utf-16")}


def _check_refused(tmp_path: Path, name: str, content: bytes, marker: str) -> None:
    path = tmp_path / f"ILR-{name}.xml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    with pytest.raises(ILRFileError) as info:
        read_ilr(path, progress=False)
    message = str(info.value)
    assert str(path) in message and "DOCTYPE" in message and "refused" in message
    assert marker not in message
    good = ilrs.write_file(tmp_path / "good", [ilrs.minimal_learner("G1")])
    data = read_ilr(path, good, progress=False, errors="report")
    assert data.learners["learn_ref_number"].tolist() == ["G1"]  # nothing of the refused file
    assert data.problems["file"].tolist() == [str(path)]
    assert "DOCTYPE" in data.problems.loc[0, "message"]
    text = _all_text(data)
    assert marker not in text and "lollol" not in text and "FETCHED" not in text


@pytest.mark.parametrize("where", ["plain", "padded", "utf-16"])
@pytest.mark.parametrize("kind", sorted(DOCTYPES))
def test_entity_declarations_are_refused(tmp_path, kind, where):
    doctype, reference = DOCTYPES[kind]
    _check_refused(tmp_path, kind.replace(" ", "-"), _variants(doctype, reference)[where], _marker())


@pytest.mark.parametrize("where", ["plain", "padded", "utf-16"])
def test_external_dtd_url_is_refused_without_touching_the_network(tmp_path, server, where):
    url, hits = server
    doctype = f'<!DOCTYPE Message SYSTEM "{url}/ilr.dtd">'
    _check_refused(tmp_path, "external-dtd", _variants(doctype, "&ext;")[where], _marker())
    entity = f'<!DOCTYPE Message [<!ENTITY ext SYSTEM "{url}/ext.txt">]>'
    _check_refused(tmp_path / "entity", "external-entity-url", _variants(entity, "&ext;")[where], _marker())
    assert hits == []


def test_a_large_file_is_not_refused_for_its_size(tmp_path):
    """The refusal is about DOCTYPEs, not about long files: 3000 learners read fine."""
    path = ilrs.write_file(tmp_path, [ilrs.minimal_learner(f"L{i}") for i in range(3000)])
    data = read_ilr(path, progress=False)
    assert len(data.learners) == 3000 and data.problems.empty
