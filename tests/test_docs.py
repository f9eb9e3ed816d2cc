"""docs/frames.md is generated from the frame declarations and kept up to date."""

from pathlib import Path

from auditkit.frames import FRAMES
from auditkit.frames.ilr import ENTITIES
from auditkit.views.docs import frames_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_frames_doc_is_up_to_date():
    on_disk = (ROOT / "docs" / "frames.md").read_text(encoding="utf-8")
    assert on_disk == frames_markdown(), "docs/frames.md is stale: run `auditkit docs`"


def test_frames_doc_lists_every_frame_and_column_in_order():
    text = frames_markdown()
    sections = [line[4:-1] for line in text.splitlines() if line.startswith("## `")]
    assert sections == list(FRAMES)
    for name, frame in FRAMES.items():
        table = text.split(f"## `{name}`", 1)[1].split("\n## ", 1)[0]
        for f in frame.fields:
            assert f"| `{f.column}` | {f.dtype} |" in table, (name, f.column)
    assert len(ENTITIES) >= 18


def test_rules_doc_is_up_to_date():
    from auditkit.rules.docs import rules_markdown

    on_disk = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert on_disk == rules_markdown(), "docs/rules.md is stale: run `auditkit docs`"


def test_rules_doc_covers_every_catalogue_id():
    """Every rule id of the spec's catalogue is registered and documented (skipped without ../shared)."""
    import re

    from auditkit.rules import all_rules

    spec = ROOT.parent / "shared" / "spec" / "rules-wmca-wave5.md"
    if not spec.exists():
        import pytest

        pytest.skip(f"{spec} not found: the spec sits beside the repository in a checkout with shared/")
    catalogue = set(re.findall(r"^\| (W5_[A-Z0-9]+_\d{2}) \|", spec.read_text(encoding="utf-8"), re.M))
    registered = {r.id for r in all_rules() if r.id.startswith("W5_")}
    assert catalogue == registered
    for rule in all_rules():
        assert rule.section("What it checks") and rule.section("Why it matters") and rule.section("Example"), rule.id
