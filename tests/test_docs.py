"""docs/frames.md is generated from the frame declarations and kept up to date."""

from pathlib import Path

from auditkit.docs import frames_markdown
from auditkit.frames.ilr import ENTITIES, SCHEMAS

ROOT = Path(__file__).resolve().parents[1]


def test_frames_doc_is_up_to_date():
    on_disk = (ROOT / "docs" / "frames.md").read_text(encoding="utf-8")
    assert on_disk == frames_markdown(), "docs/frames.md is stale: run `auditkit docs`"


def test_frames_doc_lists_every_frame_and_column():
    text = frames_markdown()
    for name, schema in SCHEMAS.items():
        assert f"## `{name}`" in text
        for column in schema.columns:
            assert f"| `{column}` |" in text
    assert len(ENTITIES) >= 18
