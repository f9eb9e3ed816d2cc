"""Golden test: every frame read from the shipped samples, values and dtypes.

Regenerate after a deliberate change with
``AUDITKIT_UPDATE_GOLDEN=1 python -m pytest tests/test_samples_frames_golden.py``
and review the diff of ``tests/golden/frames/``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from auditkit import read_ilr
from auditkit.frames.ilr import ILR_FRAMES
from auditkit.readers.ilr import iter_frames

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden" / "frames"
UPDATE = os.environ.get("AUDITKIT_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def frames():
    data = read_ilr(ROOT / "samples", progress=False)
    out = {}
    for name, frame in iter_frames(data):
        frame = frame.copy()
        for column in ("path", "file"):
            if column in frame:
                frame[column] = frame[column].str.replace(str(ROOT) + os.sep, "", regex=False)
        out[name] = frame
    return out


def test_frames_validate_against_their_schemas(frames):
    assert list(frames) == [f.name for f in ILR_FRAMES]
    for declared in ILR_FRAMES:
        declared.validate(frames[declared.name], lazy=True)


@pytest.mark.parametrize("name", [f.name for f in ILR_FRAMES])
def test_frame_matches_golden(frames, name):
    frame = frames[name]
    text = frame.to_csv(index=False, date_format="%Y-%m-%d %H:%M:%S", lineterminator="\n")
    dtypes = {c: str(t) for c, t in frame.dtypes.items()}
    csv_path, dtypes_path = GOLDEN / f"{name}.csv", GOLDEN / f"{name}.dtypes.json"
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        csv_path.write_text(text, encoding="utf-8")
        dtypes_path.write_text(json.dumps(dtypes, indent=1) + "\n", encoding="utf-8")
        pytest.skip("golden file updated")
    assert json.loads(dtypes_path.read_text(encoding="utf-8")) == dtypes
    expected = csv_path.read_text(encoding="utf-8").splitlines()
    actual = text.splitlines()
    assert len(actual) == len(expected), f"{name}: {len(actual) - 1} rows, golden has {len(expected) - 1}"
    diffs = [(i, e, a) for i, (e, a) in enumerate(zip(expected, actual, strict=True)) if e != a]
    assert not diffs, f"{name}: {len(diffs)} rows differ, first: line {diffs[0][0]}\n-{diffs[0][1]}\n+{diffs[0][2]}"
