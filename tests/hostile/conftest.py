"""Fixtures of the hostile-input corpus: an ``inputs`` folder (what auditkit is given) and, beside it, an
``outside`` folder of files that must never be opened (a secret ILR, a secret PDF)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile import corpus
from tests.test_evidence_checks import pdf_bytes


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "inputs"
    folder.mkdir()
    return folder


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """Files outside the inputs: ``secret.pdf``, ``secret.txt`` and ``ILR-secret.xml`` (learner SECRET1)."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.pdf").write_bytes(pdf_bytes("D:20240101000000", text="secret"))
    (folder / "secret.txt").write_text("not evidence\n")
    (folder / "ILR-secret.xml").write_bytes(corpus.ilr(["SECRET1"], ukprn=10000009))
    return folder


@pytest.fixture(autouse=True)
def _default_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests start from the default limits, whatever the environment running them sets."""
    from auditkit.readers.limits import ENV

    for name in ENV.values():
        monkeypatch.delenv(name, raising=False)
