"""Each hostile case run in a child process under a memory limit (``RLIMIT_AS``) and a generous wall-clock
timeout: it must finish with a clear error or problem rows, keep the good learners and documents of the same
input, and open no file outside its inputs (every ``open`` of the child is audited with ``sys.addaudithook``).

Before the fixes of issue 11 the zip bomb read learner after learner until a 6 GiB cap stopped it with a
MemoryError (after five minutes), and the XLSX bomb was still being read after fifteen minutes: on the old code
these tests fail (memory limit, or timeout), they do not pass slowly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.hostile import corpus
from tests.test_evidence_checks import pdf_bytes

MEMORY = 3 << 30  # bytes of address space the child may use
TIMEOUT = 600  # seconds: never reached by a passing case (each takes a few seconds)
ROOT = Path(__file__).resolve().parents[2]

CHILD = '''
import json, os, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))
sys.path.insert(0, {root!r})
import pandas, pypdf, openpyxl, lxml.etree  # imported before the audit: their own files are not inputs
import auditkit.readers.ilr, auditkit.readers.evidence, auditkit.readers.employers
from auditkit.readers.discover import InputError, find_case
from auditkit.readers.evidence import read_evidence, read_documents, read_manifest
from auditkit.readers.ilr import read_ilr
INPUTS = os.path.realpath({inputs!r})
ALLOWED = [INPUTS] + sorted({{os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix,
           os.path.dirname(auditkit.__file__), "/dev", "/proc", "/sys", "/usr/share/zoneinfo")}})
opened = []

def audit(event, args):
    if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        opened.append(os.fsdecode(args[0]))

sys.addaudithook(audit)
out = {{}}
try:
{body}
except InputError as exc:
    out["error"] = str(exc)
outside = sorted({{p for p in opened if not any(os.path.realpath(os.path.abspath(p)) == a or
                   os.path.realpath(os.path.abspath(p)).startswith(a + os.sep) for a in ALLOWED)}})
out["outside"] = outside
out["opened_inputs"] = len([p for p in opened if os.path.realpath(p).startswith(INPUTS)])
out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print("RESULT " + json.dumps(out, default=str))
'''


def run_bounded(inputs: Path, body: str, env: dict[str, str] | None = None, timeout: float = TIMEOUT) -> dict:
    """Run ``body`` (Python, filling the dict ``out``) in a child under :data:`MEMORY` and ``timeout`` seconds."""
    script = inputs.parent / "child.py"
    script.write_text(CHILD.format(memory=MEMORY, root=str(ROOT), inputs=str(inputs),
                                   body=textwrap.indent(textwrap.dedent(body), "    ")))
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("AUDITKIT_")}
    child_env |= {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"} | (env or {})
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=timeout,
                          env=child_env, cwd=inputs.parent)
    assert done.returncode == 0, done.stderr[-3000:]
    [line] = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")]
    result = json.loads(line.removeprefix("RESULT "))
    assert result["outside"] == [], f"files outside the inputs were opened: {result['outside']}"
    assert result["opened_inputs"] > 0  # the audit saw the inputs being read: it would see the rest
    print(f"peak {result['peak_mb']} MB")
    return result


def test_zip_bomb_beside_good_files(inputs):
    corpus.good_and_bomb_zip(inputs / "returns.zip")
    padded = corpus.bomb("ILR-10000004-2425-20241205-090000-01.xml", b"<Message>", b" " * corpus.MIB,
                         b"</Message>", corpus.BOMB_MIB)  # 2.4 MB expanding to 2.5 GB
    corpus.write_zip(inputs / "small.zip", [padded])
    assert (inputs / "small.zip").stat().st_size < 3_000_000
    (inputs / "ILR-10000003-2425-20241205-090000-01.xml").write_bytes(corpus.ilr(["K1"], ukprn=10000003))
    result = run_bounded(inputs, '''
        data = read_ilr(INPUTS, progress=False, errors="report")
        out["learners"] = sorted(data.learners["learn_ref_number"])
        out["messages"] = data.problems["message"].tolist()
        try:
            read_ilr(INPUTS, progress=False)
        except InputError as exc:
            out["raised"] = str(exc)
    ''')
    assert result["learners"] == ["G1", "G2", "K1"]
    assert len(result["messages"]) == 2 and all("over the limit" in m for m in result["messages"])
    assert "returns.zip::ILR-10000002" in result["raised"]


def test_streaming_limit_holds_when_the_header_check_is_passed(inputs):
    corpus.write_zip(inputs / "r.zip", [corpus.deflated("ILR-10000001-2425-20241205-090000-01.xml",
                                                        corpus.ilr(["G1"])), corpus.ilr_bomb()])
    result = run_bounded(inputs, '''
        from auditkit.readers import discover
        discover.member_problem = lambda info, limits: None  # as if the headers had lied
        data = read_ilr(INPUTS, progress=False, errors="report")
        out["learners"] = sorted(data.learners["learn_ref_number"].unique())
        out["messages"] = data.problems["message"].tolist()
    ''', env={"AUDITKIT_MAX_MEMBER_BYTES": "32M", "AUDITKIT_MAX_ARCHIVE_BYTES": "4G"})
    assert "G1" in result["learners"]
    assert any("expands to more than 32.0 MB" in m for m in result["messages"]), result["messages"]


def test_xlsx_bomb_manifest(inputs):
    corpus.xlsx_bomb(inputs / "manifest.xlsx")
    doc = inputs / "documents" / "10000001" / "L1" / "job_offer__2024-09-22.pdf"
    doc.parent.mkdir(parents=True)
    doc.write_bytes(pdf_bytes("D:20240922100000"))
    result = run_bounded(inputs, '''
        out["documents"] = len(read_documents(os.path.join(INPUTS, "documents")).evidence)
        read_evidence(os.path.join(INPUTS, "manifest.xlsx"), os.path.join(INPUTS, "documents"))
    ''')
    assert result["documents"] == 1
    assert "the workbook expands to 2.4 GB, over the limit" in result["error"]


def test_paths_and_symlinks_open_nothing_outside(inputs, outside):
    docs = inputs / "evidence" / "documents" / "10000001" / "L1"
    docs.mkdir(parents=True)
    (docs / "job_offer__2024-09-22.pdf").write_bytes(pdf_bytes("D:20240922100000"))
    (docs / "id_check__2024-01-02.pdf").symlink_to(outside / "secret.pdf")
    (docs / "iag_record__2024-01-02.pdf").symlink_to(docs / "iag_record__2024-01-02.pdf")
    (inputs / "evidence" / "offer.pdf").symlink_to(outside / "secret.pdf")
    rows = ["/etc/passwd", str(outside / "secret.pdf"), "../outside/secret.pdf", "offer.pdf",
            "documents/10000001/L1/job_offer__2024-09-22.pdf"]
    (inputs / "evidence" / "manifest.csv").write_text("ukprn,learn_ref_number,evidence_type,document_date,file\n"
                                                      + "".join(f"10000001,L1,enrolment_form,2024-01-01,{r}\n"
                                                                for r in rows))
    (inputs / "ILR-10000001-2425-20241205-090000-01.xml").write_bytes(corpus.ilr(["L1"]))
    (inputs / "ILR-10000009-2425-20241205-090000-01.xml").symlink_to(outside / "ILR-secret.xml")
    (inputs / "more").symlink_to(outside, target_is_directory=True)
    result = run_bounded(inputs, '''
        data = read_ilr(INPUTS, progress=False, errors="report")
        out["learners"] = data.learners["learn_ref_number"].tolist()
        case = find_case([INPUTS])
        ev = read_evidence(case.manifest, case.documents, learners=data.learners)
        out["status"] = ev.evidence.sort_values("row")["file_status"].tolist()
        out["codes"] = sorted(ev.problems["check_id"])
    ''')
    assert result["learners"] == ["L1"]
    assert result["status"][:5] == ["missing", "missing", "missing", "missing", "present"]
    assert result["codes"].count("MAN_OUTSIDE_PATH") == 4 and result["codes"].count("DOC_SYMLINK") == 2


@pytest.mark.parametrize("kind", list(corpus.bad_pdfs()))
def test_pdfs_pypdf_chokes_on(inputs, kind):
    docs = inputs / "10000001" / "L1"
    docs.mkdir(parents=True)
    (docs / "job_offer__2024-09-22.pdf").write_bytes(pdf_bytes("D:20240922100000"))
    (docs / "attendance_record__2024-10-01.pdf").write_bytes(corpus.bad_pdfs()[kind])
    result = run_bounded(inputs, '''
        ev = read_documents(INPUTS)
        out["status"] = dict(zip(ev.evidence["file"], ev.evidence["file_status"]))
        out["codes"] = ev.problems["check_id"].tolist()
    ''')
    bad_status = result["status"].pop("10000001/L1/attendance_record__2024-10-01.pdf")
    assert result["status"] == {"10000001/L1/job_offer__2024-09-22.pdf": "present"}
    if kind in corpus.PDFS_SOME_PYPDF_READ and bad_status == "present":
        assert result["codes"] == []
    else:
        assert bad_status == "unreadable" and result["codes"] == ["DOC_UNREADABLE_PDF"]
