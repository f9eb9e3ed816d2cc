"""The WMCA Wave 5 terms are defined once (``auditkit/reference/wave5.py``), and its predicates do the sums right."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from auditkit.reference import wave5
from auditkit.reference.wave5 import (
    CONTRIBUTION_TEXTS,
    LEARNER_TYPES,
    SHARE_PERCENT,
    WAVE_WINDOW,
    completed_enough,
    contribution_percent,
    destination_deadline,
    m1_date,
    m3_deadline,
    rate_percent_for_size,
)

PACKAGE = Path(__file__).resolve().parents[1] / "auditkit"
HOME = PACKAGE / "reference" / "wave5.py"

#: Names that hold a funder's term: assigned anywhere but wave5.py, they define it a second time.
TERM_NAMES = {"WAVE_WINDOW", "SHARE_PERCENT", "M1_DAYS", "M2_COMPLETION_PERCENT", "M3_MONTHS", "DESTINATION_MONTHS",
              "OUTCOME_MONTHS", "CONTRIBUTION_PERCENT", "CONTRIBUTION_TEXTS", "ACCEPTED_CONTRIBUTIONS", "RATE_BY_SIZE",
              "RATE_PERCENT_BY_SIZE", "LEARNER_TYPES", "INDEPENDENT", "CO_FUNDED", "SELF_EMPLOYED"}
#: Date arithmetic that is a term: ``Timedelta(days=14)``, ``DateOffset(months=6)``, ``months=2``.
TERM_KEYWORDS = {("days", 14), ("months", 6), ("months", 2)}
#: Literals that are a term's value (the whole literal, not prose that mentions it).
TERM_TEXTS = {*CONTRIBUTION_TEXTS}
LEARNER_TYPE_TEXTS = set(LEARNER_TYPES)


def sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p != HOME)


def _assigned(node: ast.AST) -> list[str]:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
        node, ast.AnnAssign) else []
    names = []
    for t in targets:
        names += [n.id for n in ast.walk(t) if isinstance(n, ast.Name)]
    return names


def second_definitions(path: Path, where: Path | None = None) -> list[str]:
    """Where ``path`` (named ``where``, default its path in the package) defines a funder's term again
    (``file:line what``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
                  and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    where = where or path.relative_to(PACKAGE.parent)
    found = []
    for node in ast.walk(tree):
        found += [f"{where}:{node.lineno} assigns {name}" for name in _assigned(node) if name in TERM_NAMES]
        if (isinstance(node, ast.keyword) and isinstance(node.value, ast.Constant)
                and (node.arg, node.value.value) in TERM_KEYWORDS):
            found.append(f"{where}:{node.value.lineno} {node.arg}={node.value.value}")
        if isinstance(node, ast.Constant) and id(node) not in docstrings:
            if isinstance(node.value, float) and node.value == 0.8:
                found.append(f"{where}:{node.lineno} 0.8 (the 80% completion test)")
            if isinstance(node.value, str) and node.value.strip() in TERM_TEXTS:
                found.append(f"{where}:{node.lineno} the contribution text {node.value!r}")
            if (isinstance(node.value, str) and node.value in LEARNER_TYPE_TEXTS
                    and "samples" not in where.parts):
                found.append(f"{where}:{node.lineno} the learner type {node.value!r}")
        if (isinstance(node, ast.Compare) and isinstance(node.left, ast.BinOp) and isinstance(node.left.op, ast.Mult)
                and isinstance(node.left.left, ast.Constant) and node.left.left.value in (4, 5)):
            found.append(f"{where}:{node.lineno} {node.left.left.value} x ... (the 80% test written out again)")
    return found


def test_each_term_is_defined_once_in_wave5():
    again = [hit for path in sources() for hit in second_definitions(path)]
    assert not again, "define these in auditkit/reference/wave5.py and import them:\n" + "\n".join(again)


def test_the_scan_finds_a_second_definition(tmp_path):
    # the scan itself would fail if it stopped finding terms
    bad = tmp_path / "bad.py"
    bad.write_text('import pandas as pd\nM3_MONTHS = 6\nx = pd.Timedelta(days=14)\ny = pd.DateOffset(months=2)\n'
                   'ok = 5 * 3 >= 4 * 2\nt = "Contribution 10"\nk = "co-funded"\nf = 0.8\n', encoding="utf-8")
    hits = second_definitions(bad, Path("auditkit/rules/bad.py"))
    assert [h.split(" ", 1)[0].rsplit(":", 1)[1] for h in sorted(hits, key=lambda h: int(h.split()[0].rsplit(":")[1]))
            ] == ["2", "3", "4", "5", "6", "7", "8"], hits


def test_wave5_defines_every_term_it_is_checked_for():
    assert {n for n in TERM_NAMES if hasattr(wave5, n)} >= {
        "WAVE_WINDOW", "SHARE_PERCENT", "M1_DAYS", "M2_COMPLETION_PERCENT", "M3_MONTHS", "DESTINATION_MONTHS",
        "CONTRIBUTION_PERCENT", "RATE_PERCENT_BY_SIZE", "LEARNER_TYPES"}


def test_the_terms_values():
    assert (dt.date(2024, 4, 1), dt.date(2025, 3, 31)) == WAVE_WINDOW
    assert SHARE_PERCENT == {"M1": 40, "M2": 30, "M3": 30} and sum(SHARE_PERCENT.values()) == 100
    assert CONTRIBUTION_TEXTS == ("Contribution 10", "Contribution 30")
    assert LEARNER_TYPES == ("independent", "co-funded", "self-employed")


def days(*texts: str | None) -> pd.Series:
    return pd.Series(pd.to_datetime(list(texts)))


def test_m1_is_day_14():
    # started 1 May (day 0): day 14 is 15 May; a return prepared on 15 May has reached it, one on 14 May not
    due = m1_date(days("2024-05-01", "2024-12-25", None))
    assert list(due[:2]) == [pd.Timestamp("2024-05-15"), pd.Timestamp("2025-01-08")] and pd.isna(due[2])
    assert bool((days("2024-05-15") >= due[:1]).iloc[0]) and not bool((days("2024-05-14") >= due[:1]).iloc[0])


@pytest.mark.parametrize(("end", "latest"), [
    ("2024-08-31", "2025-02-28"),  # 6 calendar months from 31 Aug: the end of February
    ("2023-08-31", "2024-02-29"),  # ... in a leap year
    ("2024-07-19", "2025-01-19"),
    ("2024-03-31", "2024-09-30"),
])
def test_m3_within_6_calendar_months(end, latest):
    assert m3_deadline(days(end)).iloc[0] == pd.Timestamp(latest)


def test_destination_within_2_calendar_months():
    assert list(destination_deadline(days("2024-12-31", "2024-07-26"))) == [pd.Timestamp("2025-02-28"),
                                                                           pd.Timestamp("2024-09-26")]


def test_80_percent_completion():
    # planned 1 Jan to 10 Apr 2024: 100 days; 80 days (21 Mar) is exactly 80% and passes, 79 days does not
    start = days("2024-01-01", "2024-01-01", "2024-01-01", "2024-01-01", None)
    plan = days("2024-04-10", "2024-04-10", "2024-04-10", None, "2024-04-10")
    act = days("2024-03-21", "2024-03-20", "2024-04-30", "2024-03-21", "2024-03-21")
    ok = completed_enough(start, plan, act)
    assert list(ok[:3]) == [True, False, True]
    assert ok[3:].isna().all()  # a date missing: 80% cannot be shown
    # times of day do not count: dates compare as calendar days
    assert bool(completed_enough(days("2024-01-01 18:00"), days("2024-04-10"), days("2024-03-21 06:00")).iloc[0])


def test_95_planned_days_66_done_is_short():
    # the example of W5_M2_04: 2024-04-22 to 2024-07-26 planned (95 days), 66 days done (69%)
    assert not completed_enough(days("2024-04-22"), days("2024-07-26"), days("2024-06-27")).iloc[0]


def test_contribution_texts_are_exact():
    got = contribution_percent(pd.Series(["Contribution 10", " Contribution 30 ", "Contribution 30%",
                                          "contribution 10", None]))
    assert got[:2].tolist() == [10, 30] and got[2:].isna().all()


def test_rate_by_employer_size():
    got = rate_percent_for_size(pd.Series(["sme", "large", "medium", None]))
    assert got[:2].tolist() == [10, 30] and got[2:].isna().all()


def test_deadlines_past_the_last_timestamp_do_not_overflow() -> None:
    import pandas as pd

    from auditkit.reference.wave5 import LAST_DAY, destination_deadline, m1_date, m3_deadline

    ends = pd.Series(pd.to_datetime(["2262-03-01", "2024-01-31", None])).astype("datetime64[ns]")  # as frames hold
    assert list(m3_deadline(ends)) == [LAST_DAY, pd.Timestamp("2024-07-31"), pd.NaT]
    assert destination_deadline(ends).iloc[1] == pd.Timestamp("2024-03-31")
    assert m1_date(pd.Series(pd.to_datetime(["2262-04-05"])).astype("datetime64[ns]")).iloc[0] == LAST_DAY
