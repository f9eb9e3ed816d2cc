"""SQL over a case with DuckDB: the frames as tables, masked by default, no file outside the case."""

from __future__ import annotations

import pytest

from auditkit.errors import InputError
from tests.conftest import SAMPLES
from tests.test_first_runs import run_apart


def test_tables_are_the_case_frames(samples_case) -> None:
    got = samples_case.sql("SELECT ukprn, count(*) AS n FROM findings GROUP BY ukprn ORDER BY ukprn")
    want = samples_case.findings.groupby("ukprn").size()
    assert dict(zip(got["ukprn"], got["n"], strict=True)) == want.to_dict()
    money = samples_case.sql("SELECT sum(amount_claimed) AS claimed FROM milestones")["claimed"].iloc[0]
    assert money == pytest.approx(samples_case.milestones["amount_claimed"].sum())
    assert samples_case.sql("SELECT count(*) AS n FROM learners")["n"].iloc[0] == len(samples_case.context.learners)


def test_joins_across_frames(samples_case) -> None:
    got = samples_case.sql("""
        SELECT f.rule_id, count(DISTINCT m.learn_ref_number) AS learners
        FROM findings f JOIN milestones m USING (ukprn, learn_ref_number)
        WHERE f.severity = 'no-pay' GROUP BY 1 ORDER BY 2 DESC""")
    assert len(got) > 0 and got["learners"].iloc[0] >= 1


def test_personal_data_masked_unless_revealed(samples_case) -> None:
    masked = samples_case.sql("SELECT given_names FROM learners LIMIT 5")["given_names"]
    assert masked.str.endswith("***").all()
    shown = samples_case.sql("SELECT given_names FROM learners LIMIT 5", reveal=True)["given_names"]
    assert not shown.str.endswith("***").any()


@pytest.mark.parametrize("query", ["SELECT * FROM read_csv('/etc/passwd')",
                                   "COPY (SELECT 1) TO '/tmp/auditkit-sql-escape.csv'",
                                   "SET enable_external_access = true"])
def test_no_file_is_read_or_written_and_the_lock_holds(samples_case, query: str) -> None:
    with pytest.raises(InputError, match="the query failed"):
        samples_case.sql(query)


def test_the_command(tmp_path) -> None:
    result = run_apart("sql", SAMPLES, "SELECT count(*) AS n FROM funding", "--format", "csv")
    assert result.exit_code == 0 and result.stdout.splitlines()[0] == "n"
    bad = run_apart("sql", SAMPLES, "SELECT * FROM nope")
    assert bad.exit_code == 2 and "Table with name nope does not exist" in bad.stderr


def test_the_parquet_cache_as_tables_without_personal_columns_unless_revealed(tmp_path, monkeypatch) -> None:
    import shutil

    from auditkit import open_case
    from auditkit.readers import ilr_cache

    monkeypatch.setattr(ilr_cache, "MIN_BYTES", 0)  # the samples' returns are small: cache them all
    case_folder = tmp_path / "case"
    shutil.copytree(SAMPLES, case_folder, ignore=shutil.ignore_patterns(".auditkit"))
    open_case([case_folder], progress=False)  # the first load writes the cache
    case = open_case([case_folder], progress=False)
    assert case.cache is not None and case.cache.is_dir()
    got = case.sql("SELECT ukprn, count(*) AS n FROM cache_learners GROUP BY ukprn ORDER BY ukprn")
    want = case.loaded.learners.groupby("ukprn").size()  # every return read, not only the latest
    assert dict(zip(got["ukprn"].astype(int), got["n"], strict=True)) == want.to_dict()
    joined = case.sql("SELECT count(*) AS n FROM cache_deliveries d JOIN cache_learners l "
                      "USING (return_id, learn_ref_number)")["n"].iloc[0]
    assert joined == len(case.loaded.deliveries)
    with pytest.raises(InputError, match="given_names"):
        case.sql("SELECT given_names FROM cache_learners")
    shown = case.sql("SELECT given_names FROM cache_learners LIMIT 3", reveal=True)["given_names"]
    assert len(shown) == 3 and not shown.str.endswith("***").any()
    with pytest.raises(InputError, match="the query failed"):  # the cache is no way to files
        case.sql("SELECT * FROM read_parquet('" + str(next(case.cache.rglob("*.parquet"))) + "')")


def test_a_case_without_a_cache_has_no_cache_tables(samples_case) -> None:
    with pytest.raises(InputError, match="cache_learners does not exist"):
        samples_case.sql("SELECT count(*) FROM cache_learners")
