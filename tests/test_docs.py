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


def test_parquet_doc_is_up_to_date():
    from auditkit.views.parquet_docs import parquet_markdown

    on_disk = (ROOT / "docs" / "parquet.md").read_text(encoding="utf-8")
    assert on_disk == parquet_markdown(), "docs/parquet.md is stale: run `auditkit docs`"


def test_parquet_doc_gives_every_cached_frame_with_its_written_types(tmp_path):
    """Each frame's section lists its columns with the Parquet types the cache really writes."""
    import pyarrow.parquet as pq

    from auditkit.frames.ilr import ILR_FRAMES
    from auditkit.readers.ilr_cache import cache_folder, read_ilr_cached
    from auditkit.views.parquet_docs import _TYPES, parquet_markdown
    from tests import ilr_strategies as ilrs

    ilrs.write_file(tmp_path, [ilrs.minimal_learner("L1", LearningDelivery=[ilrs.minimal_delivery(1)])])
    read_ilr_cached([tmp_path], cache_folder(tmp_path), progress=False, min_bytes=0)
    text = parquet_markdown()
    assert "OFFICIAL-SENSITIVE" in text and "rm -r CASE/.auditkit/cache" in text
    written = {p.parts[-4]: pq.read_schema(p) for p in cache_folder(tmp_path).rglob("*.parquet")}
    assert {"learners", "deliveries", "returns"} <= set(written)
    for frame in ILR_FRAMES:
        section = text.split(f"### `{frame.name}/`", 1)[1].split("\n### ", 1)[0]
        for f in frame.fields:
            row = next(line for line in section.splitlines() if line.startswith(f"| `{f.column}` |"))
            if frame.name in written:
                arrow = str(written[frame.name].field(f.column).type).replace("large_", "")
                assert row.split(" | ")[1] == _TYPES[arrow], (frame.name, f.column, arrow)


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
