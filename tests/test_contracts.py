"""The contracts reader: typed frames from a good file, a clear error naming line and key for a bad one."""

import re
import textwrap

import pandas as pd
import pytest

from auditkit.frames.contracts import CONTRACT_AIMS, CONTRACTS
from auditkit.readers.contracts import Contracts, ContractsError, read_contracts
from auditkit.readers.discover import InputError

GOOD = """\
# WMCA Wave 5 contracts (synthetic)

[[contract]]
ukprn = 10000001
provider = "Example Training Ltd"
start_window = ["2024-04-01", "2025-03-31"]
planned_end_window = ["2024-04-01", "2025-07-31"]

[[contract.aim]]
lars = "Z0009501"
title = "Web Development (Coding)"
weeks = 12
mode = "full-time"
price = 3500.00

[[contract.aim]]
lars = "z0009502"   # upper-cased when read
title = "Web Development (Coding)"
weeks = 26
mode = "Part-time"
price = 3500

[[contract]]
ukprn = 10000002
provider = "Dates As TOML Ltd"
start_window = [2024-05-01, 2025-02-28]
planned_end_window = [
    2024-05-01,
    2025-06-30,
]

[[contract.aim]]
lars = "Z0009513"
weeks = 14

[[contract]]
ukprn = 10000003
"""


def write(tmp_path, text, name="contracts.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def contracts(tmp_path) -> Contracts:
    return read_contracts(write(tmp_path, GOOD))


def test_good_file_reads_into_frames_that_validate(contracts):
    CONTRACTS.validate(contracts.contracts)
    CONTRACT_AIMS.validate(contracts.aims)
    c = contracts.contracts
    assert c["ukprn"].tolist() == [10000001, 10000002, 10000003]
    assert c["line"].tolist() == [3, 23, 36]
    assert c["provider"].tolist()[:2] == ["Example Training Ltd", "Dates As TOML Ltd"]
    assert c["start_from"].tolist()[:2] == [pd.Timestamp("2024-04-01"), pd.Timestamp("2024-05-01")]
    assert c["planned_end_to"].tolist()[:2] == [pd.Timestamp("2025-07-31"), pd.Timestamp("2025-06-30")]
    assert str(c["start_from"].dtype) == "datetime64[ns]"
    assert c["source"].str.endswith("contracts.toml").all()


def test_missing_keys_are_na(contracts):
    third = contracts.for_ukprn(10000003)
    assert pd.isna(third["provider"]) and pd.isna(third["start_from"]) and pd.isna(third["planned_end_to"])
    aim = contracts.aims_for(10000002).iloc[0]
    assert aim["lars"] == "Z0009513" and aim["weeks"] == 14
    assert pd.isna(aim["title"]) and pd.isna(aim["mode"]) and pd.isna(aim["price"])


def test_aims_are_typed_with_lines(contracts):
    a = contracts.aims
    assert a["lars"].tolist() == ["Z0009501", "Z0009502", "Z0009513"]
    assert a["ukprn"].tolist() == [10000001, 10000001, 10000002]
    assert a["mode"].tolist()[:2] == ["full-time", "part-time"]
    assert a["price"].tolist()[:2] == [3500.0, 3500.0]
    assert a["line"].tolist() == [9, 16, 32]
    assert [str(a[c].dtype) for c in ("weeks", "price", "line")] == ["Int64", "Float64", "Int64"]


def test_helpers(contracts):
    assert contracts.ukprns == {10000001, 10000002, 10000003}
    assert contracts.allocated(10000001) == {"Z0009501", "Z0009502"}
    assert contracts.allocated(10000003) == set()
    assert contracts.allocated(99999999) == set()
    assert contracts.for_ukprn(99999999) is None
    assert contracts.for_ukprn(None) is None
    assert contracts.for_ukprn(pd.NA) is None
    assert contracts.for_ukprn(pd.array([10000002], dtype="Int64")[0])["provider"] == "Dates As TOML Ltd"
    assert contracts.aims_for(99999999).empty


def test_empty_contracts_validate():
    empty = Contracts.empty()
    CONTRACTS.validate(empty.contracts)
    CONTRACT_AIMS.validate(empty.aims)
    assert empty.ukprns == set() and empty.for_ukprn(10000001) is None


def error_of(tmp_path, text) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ContractsError) as info:
        read_contracts(path)
    message = str(info.value)
    assert str(path) in message
    return message


def names(message: str, line: int, key: str) -> bool:
    return re.search(rf"\bline {line}\b", message) is not None and key in message


ONE = """\
[[contract]]
ukprn = 10000001
provider = "Example Training Ltd"
start_window = ["2024-04-01", "2025-03-31"]
planned_end_window = ["2024-04-01", "2025-07-31"]

[[contract.aim]]
lars = "Z0009501"
title = "Web Development (Coding)"
weeks = 12
mode = "full-time"
price = 3500.00
"""


def one(old: str, new: str) -> str:
    assert old in ONE
    return ONE.replace(old, new)


def test_is_an_input_error():
    assert issubclass(ContractsError, InputError)


#: (text in the good file, what replaces it, line named, key named, texts the message holds): one mistake each.
MISTAKES = [
    pytest.param('"Example Training Ltd"', "Example Training Ltd",
                 3, "provider", ["not valid TOML"], id="toml_syntax_error"),
    pytest.param("10000001", "1000001", 2, "ukprn", ["8-digit"], id="ukprn_not_eight_digits"),
    pytest.param("ukprn = 10000001", 'ukprn = "10000001"', 2, "ukprn", ["without quotes"], id="ukprn_in_quotes"),
    pytest.param("ukprn = 10000001\n", "", 1, "ukprn", ["missing"], id="ukprn_missing"),
    pytest.param('start_window = ["2024-04-01", "2025-03-31"]', 'start_window = ["2024-04-01"]',
                 4, "start_window", ["two"], id="window_not_two_dates"),
    pytest.param('"2025-07-31"', '"2025-13-31"',
                 5, "planned_end_window", ["2025-13-31", "ISO dates"], id="window_bad_date"),
    pytest.param('"2025-03-31"]', '"31/03/2025"]', 4, "start_window", ["31/03/2025"], id="window_not_a_date"),
    pytest.param('["2024-04-01", "2025-07-31"]', '["2025-07-31", "2024-04-01"]',
                 5, "planned_end_window", ["before"], id="window_end_before_start"),
    pytest.param('"full-time"', '"evenings"', 11, "mode", ["evenings", "part-time"], id="unknown_mode"),
    pytest.param("3500.00", "-10", 12, "price", ["negative"], id="negative_price"),
    pytest.param("3500.00", '"3,500"', 12, "price", ["not a number"], id="price_not_a_number"),
    pytest.param('"Z0009501"', '"Z95"', 8, "lars", [], id="bad_lars"),
    pytest.param("start_window", "start_windw",
                 4, "start_windw", ["did you mean 'start_window'"], id="unknown_key_with_suggestion"),
    pytest.param("price = 3500.00", "prise = 3500.00", 12, "prise", ["'price'"], id="unknown_aim_key"),
]


@pytest.mark.parametrize(("good", "bad", "line", "key", "says"), MISTAKES)
def test_one_mistake_is_named_with_line_and_key(tmp_path, good, bad, line, key, says):
    message = error_of(tmp_path, one(good, bad))
    assert names(message, line, key)
    assert all(text in message for text in says), message


@pytest.mark.parametrize("weeks", ["0", "12.5", '"12"', "-3"])
def test_weeks_not_positive_integer(tmp_path, weeks):
    message = error_of(tmp_path, one("weeks = 12", f"weeks = {weeks}"))
    assert names(message, 10, "weeks") and "positive whole number" in message


def test_unknown_top_level_table(tmp_path):
    message = error_of(tmp_path, ONE + '\n[funder]\nname = "WMCA"\n')
    assert names(message, 14, "funder")


def test_same_ukprn_twice(tmp_path):
    message = error_of(tmp_path, ONE + "\n[[contract]]\nukprn = 10000001\n")
    assert names(message, 15, "ukprn") and "twice" in message and "line 1" in message


def test_same_lars_twice_in_a_contract(tmp_path):
    message = error_of(tmp_path, ONE + '\n[[contract.aim]]\nlars = "Z0009501"\n')
    assert names(message, 15, "lars") and "twice" in message


def test_contract_written_as_a_single_table(tmp_path):
    message = error_of(tmp_path, "[contract]\nukprn = 10000001\n")
    assert names(message, 1, "contract") and "[[contract]]" in message


def test_no_contract(tmp_path):
    message = error_of(tmp_path, "# nothing here\n")
    assert "no [[contract]]" in message


def test_every_problem_is_listed(tmp_path):
    message = error_of(tmp_path, one("weeks = 12", "weeks = 0").replace('"full-time"', '"evenings"'))
    assert "2 problems" in message and names(message, 10, "weeks") and names(message, 11, "mode")


def test_inline_tables_still_name_the_key(tmp_path):
    text = 'contract = [{ukprn = 10000001, aim = [{lars = "Z0009501", mode = "evenings"}]}]\n'
    message = error_of(tmp_path, text)
    assert "contract 1, aim 1" in message and "mode" in message


def test_missing_file(tmp_path):
    with pytest.raises(ContractsError, match="no such contracts file"):
        read_contracts(tmp_path / "nope.toml")
