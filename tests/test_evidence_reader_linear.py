"""Issue 13: the manifest reader makes a row's message only when the row has a problem, once per distinct bad
value (a "did you mean" costs a ``difflib`` search: made for every row, it cost 0.4 ms a row)."""

from __future__ import annotations

import difflib
from typing import Any

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from auditkit.readers import evidence as reader
from auditkit.readers.evidence import MANIFEST_COLUMNS, per_distinct, read_manifest

HEADER = ",".join(MANIFEST_COLUMNS)


def _row(n: int, etype: str, date: str = "2024-05-01", amount: str = "") -> str:
    cells = {"ukprn": "10000001", "learn_ref_number": f"L{n}", "evidence_type": etype, "document_date": date,
             "amount": amount}
    return ",".join(cells.get(c, "") for c in MANIFEST_COLUMNS)


def test_did_you_mean_is_searched_once_per_distinct_bad_type(tmp_path, monkeypatch):
    calls: list[str] = []
    real = difflib.get_close_matches

    def counting(word: str, *args: Any, **kwargs: Any) -> list[str]:
        calls.append(word)
        return real(word, *args, **kwargs)

    monkeypatch.setattr(reader.difflib, "get_close_matches", counting)
    rows = [_row(i, "job_offer") for i in range(300)]
    rows += [_row(300 + i, "Job Ofer" if i % 2 else "id chek") for i in range(100)]
    path = tmp_path / "manifest.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    data = read_manifest(path)
    assert sorted(calls) == ["id_chek", "job_ofer"]  # not 400 (every row), not 100 (every bad row)
    bad = data.problems[data.problems["check_id"] == "MAN_UNKNOWN_TYPE"]
    assert len(bad) == 100 and len(data.evidence) == 300
    reasons = dict(zip(bad["value"], bad["reason"], strict=True))
    assert reasons == {"Job Ofer": "unknown evidence type 'Job Ofer' (did you mean 'job_offer'?)",
                       "id chek": "unknown evidence type 'id chek' (did you mean 'id_check'?)"}


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b'", 'c"', "", "£1"]), st.booleans()), min_size=1, max_size=30))
def test_per_distinct_is_the_function_of_each_masked_row(pairs):
    values = pd.Series([v for v, _ in pairs], index=[10 * i for i in range(len(pairs))], dtype="string")
    mask = pd.Series([m for _, m in pairs], index=values.index)
    out = per_distinct(values, mask, repr)
    assert list(out.index) == list(values.index[mask])
    assert list(out) == [repr(v) for v in values[mask]]
