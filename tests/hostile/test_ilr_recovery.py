"""The ILR reader's recovery of broken files and its text node limit, each case in a child process under a memory
limit and a wall-clock timeout (see :func:`tests.hostile.test_bounds.run_bounded`).

Before issue 11 recovery counted the lines before each learner from the start of the file (quadratic: 10,000
learners took 20 to 88 seconds a read, 3,000 about 5; 100,000 would take half an hour or more) and looked for the
root's namespace with a regular expression that backtracked over every ``<Message`` without a ``>`` (16 to 33
seconds for 200 kB; the 2.25 MB case here would take about 45 minutes, so it times out on that code). Tests do
not assert on time: the truncated return is checked for its results and that it finishes, and its time printed."""

from __future__ import annotations

from pathlib import Path

from tests import ilr_strategies as ilrs
from tests.hostile.test_bounds import run_bounded

LEARNERS = 3000
#: Seconds for a case that the linear code reads in one or two: fails (times out) on the quadratic code.
TIMEOUT = 300


def _truncated(folder: Path, n: int) -> tuple[Path, int]:
    """A return of ``n`` learners cut short inside the last one; also the line where that learner starts."""
    text = ilrs.ilr_text([ilrs.minimal_learner(f"L{i}") for i in range(n)])
    text = text[: text.rindex("</Learner>") - 20]
    path = folder / ilrs.file_name()
    path.write_text(text, encoding="utf-8")
    return path, ilrs.line_of(text, f"<LearnRefNumber>L{n - 1}<") - 1


def test_truncated_return_recovers_every_complete_learner(inputs):
    path, last_line = _truncated(inputs, LEARNERS)
    result = run_bounded(inputs, f"""
        import time
        start = time.perf_counter()
        data = read_ilr({str(path)!r}, progress=False)
        out["seconds"] = time.perf_counter() - start
        out["learners"] = data.learners["learn_ref_number"].tolist()
        out["deliveries"] = len(data.deliveries)
        p = data.problems
        out["broken"] = p[p["message"].str.startswith("learner is not well-formed")][
            ["file", "line", "learn_ref_number", "entity"]].to_dict("records")
        out["learner_count"] = int(data.returns["learner_count"].iloc[0])
    """, timeout=TIMEOUT)
    print(f"{LEARNERS} learners, truncated: read in {result['seconds']:.2f} s")
    assert result["learners"] == [f"L{i}" for i in range(LEARNERS - 1)]  # every complete learner, in order
    assert result["deliveries"] == LEARNERS - 1
    assert result["learner_count"] == LEARNERS - 1
    [broken] = result["broken"]
    assert broken["file"] == str(path) or broken["file"].endswith(path.name)
    assert broken["learn_ref_number"] == f"L{LEARNERS - 1}" and broken["entity"] == "Learner"
    assert last_line <= broken["line"] <= last_line + 30  # the broken learner's lines, not the chunk's


def _adversarial_head(inputs: Path, copies: int) -> Path:
    """An ILR whose head is ``<Message `` again and again, never closed by ``>``, before two learners: the old
    namespace search tried every ``<Message`` against the rest of the head (quadratic)."""
    good = ilrs.ilr_text([ilrs.minimal_learner("A1"), ilrs.minimal_learner("B2")])
    start = good.index("<Learner>")
    path = inputs / ilrs.file_name()
    path.write_text(good[:start] + "<Message " * copies + good[start:], encoding="utf-8")
    return path


def test_root_tag_search_is_linear_on_a_head_of_unclosed_message_tags(inputs):
    path = _adversarial_head(inputs, 250_000)  # 2.25 MB
    result = run_bounded(inputs, f"""
        import time
        start = time.perf_counter()
        data = read_ilr({str(path)!r}, progress=False)
        out["seconds"] = time.perf_counter() - start
        out["learners"] = data.learners["learn_ref_number"].tolist()
        out["messages"] = data.problems["message"].tolist()
    """, timeout=TIMEOUT)
    print(f"2.25 MB of unclosed <Message tags: read in {result['seconds']:.2f} s")
    assert result["learners"] == ["A1", "B2"]  # the learners after the broken head are read
    assert any(m.startswith("the header is not well-formed XML") for m in result["messages"])


def test_learn_ref_number_search_is_linear_on_a_broken_learner(inputs):
    """A broken learner whose LearnRefNumber is followed by megabytes of spaces and no ``<``."""
    good = ilrs.ilr_text([ilrs.minimal_learner("A1"), ilrs.minimal_learner("B2")])
    cut = good.index("<LearnRefNumber>B2") + len("<LearnRefNumber>B2")
    path = inputs / ilrs.file_name()
    path.write_text(good[:cut] + " \n" * 1_000_000, encoding="utf-8")
    result = run_bounded(inputs, f"""
        data = read_ilr({str(path)!r}, progress=False)
        out["learners"] = data.learners["learn_ref_number"].tolist()
        p = data.problems
        out["broken"] = p[p["message"].str.startswith("learner is not well-formed")]["learn_ref_number"].tolist()
    """, timeout=TIMEOUT)
    assert result["learners"] == ["A1"]
    assert result["broken"] == ["B2"]


HUGE = 200 << 20  # a 200 MB FamilyName


def test_enormous_text_node_is_cut_out_and_the_learner_kept(inputs):
    good = ilrs.ilr_text([ilrs.minimal_learner("A1"), ilrs.minimal_learner("B2", FamilyName="HUGE"),
                          ilrs.minimal_learner("C3")])
    line = ilrs.line_of(good, "<FamilyName>HUGE<")
    head, tail = good.encode().split(b"HUGE")
    path = inputs / ilrs.file_name()
    with path.open("wb") as f:
        f.write(head)
        chunk = b"x" * (1 << 20)
        for _ in range(HUGE >> 20):
            f.write(chunk)
        f.write(tail)
    size_mb = path.stat().st_size >> 20
    result = run_bounded(inputs, f"""
        data = read_ilr({str(path)!r}, progress=False)
        out["learners"] = [[r.learn_ref_number, r.family_name if isinstance(r.family_name, str) else None, r.uln]
                           for r in data.learners.itertuples()]
        p = data.problems
        rows = p[p["facet"] == "limit"][["line", "learn_ref_number", "entity", "field", "value", "expected"]]
        out["limit"] = [{{k: None if pandas.isna(v) else str(v) for k, v in r.items()}}
                        for r in rows.to_dict("records")]
    """)
    assert [r[0] for r in result["learners"]] == ["A1", "B2", "C3"]  # the learner is kept, its neighbours too
    assert not result["learners"][1][1]  # the enormous value is not read
    assert result["learners"][1][2] == "1000000018"  # the rest of the learner is
    assert result["limit"] == [{"line": str(line), "learn_ref_number": "B2", "entity": "Learner",
                                "field": "FamilyName", "value": None, "expected": "at most 1,048,576 characters"}]
    # The file once in memory, plus the interpreter, pandas and lxml (about 250 MB): not the 1 GB+ that text, copies
    # of it and a tree holding it would take.
    assert result["peak_mb"] < 2 * size_mb + 350, result["peak_mb"]
