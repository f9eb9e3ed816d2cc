"""Read a contracts file (TOML): per provider, the contract windows and the bootcamp aims allocated to it.

One file may hold many providers::

    [[contract]]
    ukprn = 10000001
    provider = "Example Training Ltd"
    start_window = ["2024-04-01", "2025-03-31"]       # bootcamp LearnStartDate must fall inside
    planned_end_window = ["2024-04-01", "2025-07-31"] # bootcamp LearnPlanEndDate must fall inside

    [[contract.aim]]
    lars = "Z0009501"
    title = "Web Development (Coding)"
    weeks = 12
    mode = "full-time"
    price = 3500.00

Only ``ukprn`` is required: a missing key is kept as NA and the rules needing it report "not evaluated".
Dates may be strings or TOML dates. Anything malformed (bad value, unknown key, a UKPRN given twice)
raises :class:`ContractsError` naming the file, the line and the key, and what was expected.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from auditkit.frames.contracts import CONTRACT_AIMS, CONTRACTS, MODES
from auditkit.readers.discover import InputError

CONTRACT_KEYS: tuple[str, ...] = ("ukprn", "provider", "start_window", "planned_end_window", "aim")
AIM_KEYS: tuple[str, ...] = ("lars", "title", "weeks", "mode", "price")


class ContractsError(InputError):
    """A contracts file auditkit cannot use; the message names the file, the line and the key."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


@dataclass(frozen=True)
class Contracts:
    """The contracts read from a file: ``contracts`` (one row per provider) and ``aims`` (allocated aims)."""

    contracts: pd.DataFrame
    aims: pd.DataFrame

    @classmethod
    def empty(cls) -> Contracts:
        return cls(CONTRACTS.empty(), CONTRACT_AIMS.empty())

    @property
    def ukprns(self) -> set[int]:
        """UKPRNs that have a contract."""
        return {int(u) for u in self.contracts["ukprn"].dropna()}

    def for_ukprn(self, ukprn: object) -> pd.Series | None:
        """The contract row of a provider (start_from, start_to, ...: NaT where not given), or None."""
        key = _as_int(ukprn)
        if key is None:
            return None
        rows = self.contracts[(self.contracts["ukprn"] == key).fillna(False)]
        return None if rows.empty else rows.iloc[0]

    def aims_for(self, ukprn: object) -> pd.DataFrame:
        """The aims allocated to a provider (no rows when it has no contract)."""
        key = _as_int(ukprn)
        if key is None:
            return self.aims.iloc[0:0]
        return self.aims[(self.aims["ukprn"] == key).fillna(False)].reset_index(drop=True)

    def allocated(self, ukprn: object) -> set[str]:
        """LARS codes allocated to a provider (empty when it has no contract)."""
        return set(self.aims_for(ukprn)["lars"].dropna())


def _as_int(value: object) -> int | None:
    try:
        return None if value is None or pd.isna(value) else int(value)  # type: ignore[call-overload]  # any cell: int() refuses what it cannot read
    except (TypeError, ValueError):
        return None


# --- where things are in the text -------------------------------------------------------------------

_CONTRACT_HEADER = re.compile(r"^\s*\[\[\s*contract\s*\]\]")
_AIM_HEADER = re.compile(r"^\s*\[\[\s*contract\s*\.\s*aim\s*\]\]")
_ANY_HEADER = re.compile(r"^\s*\[")


class _Lines:
    """Line numbers of the ``[[contract]]`` / ``[[contract.aim]]`` blocks and of the keys inside them."""

    def __init__(self, text: str, data: dict[str, Any]) -> None:
        self.lines = text.splitlines()
        self.contracts: list[int] = []
        self.aims: list[list[int]] = []
        for n, line in enumerate(self.lines, start=1):
            if _CONTRACT_HEADER.match(line):
                self.contracts.append(n)
                self.aims.append([])
            elif _AIM_HEADER.match(line) and self.aims:
                self.aims[-1].append(n)
        parsed = data.get("contract")
        shape = [len(c.get("aim", [])) if isinstance(c, dict) and isinstance(c.get("aim"), list) else 0
                 for c in parsed] if isinstance(parsed, list) else None
        self.ok = shape == [len(a) for a in self.aims]  # headers as parsed: no inline tables

    def header(self, i: int, j: int | None = None) -> int | None:
        if not self.ok:
            return None
        return self.contracts[i] if j is None else self.aims[i][j]

    def key(self, key: str, i: int | None = None, j: int | None = None) -> int | None:
        """Line of ``key = ...`` in block (i, j); top level when i is None; the block header if not found."""
        start = 1 if i is None else self.header(i, j)
        if start is None:
            return None
        pattern = re.compile(rf"""^\s*(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')\s*=""")
        if i is None:  # top level: `key =` before the first table header, or a `[key]` / `[[key]]` header
            header = re.compile(rf"^\s*\[+\s*{re.escape(key)}\s*[\].]")
            in_tables = False
            for n, line in enumerate(self.lines, start=1):
                if header.match(line) or (not in_tables and pattern.match(line)):
                    return n
                in_tables = in_tables or bool(_ANY_HEADER.match(line))
            return None
        for n in range(start + 1, len(self.lines) + 1):
            line = self.lines[n - 1]
            if _ANY_HEADER.match(line):
                break
            if pattern.match(line):
                return n
        return start


# --- values -----------------------------------------------------------------------------------------

class _Bad(Exception):
    """A value that is not what was expected: (what was found, what was expected)."""


def _show(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        raise _Bad(f"{value} has a time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise _Bad(f"{value!r} is not a real date") from None
    raise _Bad(f"{_show(value)} is not a date")


def _window(value: Any) -> tuple[dt.date, dt.date]:
    expected = 'a list of two ISO dates, start then end, e.g. ["2024-04-01", "2025-03-31"]'
    if not isinstance(value, list) or len(value) != 2:
        raise _Bad(f"{_show(value)} is not a list of two dates; expected {expected}")
    try:
        start, end = _date(value[0]), _date(value[1])
    except _Bad as exc:
        raise _Bad(f"{exc}; expected {expected}") from None
    if end < start:
        raise _Bad(f"end {end} is before start {start}; expected {expected}")
    return start, end


def _ukprn(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 10_000_000 <= value <= 99_999_999:
        return value
    raise _Bad(f"{_show(value)} is not an 8-digit UKPRN; expected an 8-digit integer without quotes, e.g. 10000001")


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    raise _Bad(f"{_show(value)} is not text; expected a string in quotes")


def _lars(value: Any) -> str:
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9]{8}", value.strip()):
        return value.strip().upper()
    raise _Bad(f"{_show(value)} is not a LARS code; expected 8 letters or digits in quotes, e.g. \"Z0009501\"")


def _weeks(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    raise _Bad(f"{_show(value)} is not a positive whole number of weeks; expected e.g. 12")


def _mode(value: Any) -> str:
    if isinstance(value, str) and value.strip().lower() in MODES:
        return value.strip().lower()
    raise _Bad(f"{_show(value)} is not a known mode; expected \"full-time\" or \"part-time\"")


def _price(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value >= 0:
        return float(value)
    number = isinstance(value, int | float) and not isinstance(value, bool)
    found = "negative" if number and value < 0 else "not a number"
    raise _Bad(f"{_show(value)} is {found}; expected a price in pounds of 0 or more, without quotes, e.g. 3500.00")


_AIM_READERS = {"lars": _lars, "title": _text, "weeks": _weeks, "mode": _mode, "price": _price}


# --- reading ----------------------------------------------------------------------------------------

class _Reader:
    def __init__(self, path: Path, text: str, data: dict[str, Any]) -> None:
        self.path, self.data = path, data
        self.where = _Lines(text, data)
        self.problems: list[tuple[int | None, str]] = []
        self.contracts: list[dict[str, Any]] = []
        self.aims: list[dict[str, Any]] = []

    def problem(self, line: int | None, key: str, text: str, block: str = "") -> None:
        self.problems.append((line, f"{block}{key}: {text}"))

    def read(self) -> Contracts:
        extra = [k for k in self.data if k != "contract"]
        if extra:
            self.unknown(extra, ("contract",), None, None, "top level")
        blocks = self.data.get("contract")
        if blocks is None:
            self.problem(None, "contract", "no [[contract]] found; expected at least one [[contract]] table")
        elif not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
            self.problem(self.where.key("contract"), "contract",
                         "is not a list of tables; expected each provider under its own [[contract]] header")
        else:
            for i, block in enumerate(blocks):
                self.contract(i, block)
            self.duplicates()
        if self.problems:
            raise self.error()
        return Contracts(CONTRACTS.conform(self.contracts), CONTRACT_AIMS.conform(self.aims))

    def unknown(self, keys: list[str], allowed: tuple[str, ...], i: int | None, j: int | None, where: str) -> None:
        shown = ", ".join("aim ([[contract.aim]])" if k == "aim" else k for k in allowed)
        for key in keys:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            text = f"unknown key {key!r}{hint} in {where}; expected only: {shown}"
            self.problem(self.where.key(key, i, j), key, text, "" if i is None else self.label(i, j))

    def label(self, i: int, j: int | None = None) -> str:
        """Names the block when no line is known (inline tables)."""
        if self.where.ok:
            return ""
        return f"contract {i + 1}: " if j is None else f"contract {i + 1}, aim {j + 1}: "

    def value(self, block: dict[str, Any], key: str, reader: Any, i: int, j: int | None = None) -> Any:
        if key not in block:
            return None
        try:
            return reader(block[key])
        except _Bad as exc:
            self.problem(self.where.key(key, i, j), key, str(exc), self.label(i, j))
            return None

    def contract(self, i: int, block: dict[str, Any]) -> None:
        extra = [k for k in block if k not in CONTRACT_KEYS]
        if extra:
            self.unknown(extra, CONTRACT_KEYS, i, None, "[[contract]]")
        if "ukprn" not in block:
            self.problem(self.where.header(i), "ukprn", "missing; every [[contract]] needs ukprn = <8 digits>",
                         self.label(i))
        ukprn = self.value(block, "ukprn", _ukprn, i)
        start = self.value(block, "start_window", _window, i) or (None, None)
        end = self.value(block, "planned_end_window", _window, i) or (None, None)
        self.contracts.append({
            "ukprn": ukprn, "provider": self.value(block, "provider", _text, i),
            "start_from": start[0], "start_to": start[1], "planned_end_from": end[0], "planned_end_to": end[1],
            "line": self.where.header(i), "source": str(self.path),
        })
        aims = block.get("aim", [])
        if not isinstance(aims, list) or not all(isinstance(a, dict) for a in aims):
            self.problem(self.where.key("aim", i), "aim",
                         "is not a list of tables; expected each aim under its own [[contract.aim]] header",
                         self.label(i))
            return
        seen: dict[str, int | None] = {}
        for j, aim in enumerate(aims):
            extra = [k for k in aim if k not in AIM_KEYS]
            if extra:
                self.unknown(extra, AIM_KEYS, i, j, "[[contract.aim]]")
            row = {"ukprn": ukprn, "line": self.where.header(i, j)}
            row.update({key: self.value(aim, key, reader, i, j) for key, reader in _AIM_READERS.items()})
            lars = row["lars"]
            if lars is not None and lars in seen:
                self.problem(self.where.key("lars", i, j), "lars",
                             f"{lars} is allocated twice in this contract (also at line {seen[lars]}); "
                             "expected each aim once per contract", self.label(i, j))
            if lars is not None:
                seen.setdefault(lars, row["line"])
            self.aims.append(row)

    def duplicates(self) -> None:
        first: dict[int, int | None] = {}
        for i, row in enumerate(self.contracts):
            ukprn = row["ukprn"]
            if ukprn is None:
                continue
            if ukprn in first:
                self.problem(self.where.key("ukprn", i), "ukprn",
                             f"{ukprn} is given twice (first at line {first[ukprn]}); "
                             "expected one [[contract]] per provider", self.label(i))
            else:
                first[ukprn] = row["line"]

    def error(self) -> ContractsError:
        texts = [f"line {line}: {text}" if line is not None else text
                 for line, text in sorted(self.problems, key=lambda p: p[0] or 0)]
        if len(texts) == 1:
            return ContractsError(f"{self.path}, {texts[0]}", texts)
        listed = "\n".join(f"  {t}" for t in texts)
        return ContractsError(f"{self.path}: {len(texts)} problems in the contracts file:\n{listed}", texts)


def _syntax_error(path: Path, text: str, exc: tomllib.TOMLDecodeError) -> ContractsError:
    found = re.search(r"at line (\d+)", str(exc))
    line = int(found[1]) if found else getattr(exc, "lineno", None)
    key = ""
    if line is not None and 0 < line <= len(text.splitlines()):
        named = re.match(r"""^\s*["']?([A-Za-z0-9_.-]+)["']?\s*=""", text.splitlines()[line - 1])
        key = f"{named[1]}: " if named else ""
    where = f", line {line}" if line is not None else ""
    return ContractsError(
        f"{path}{where}: {key}not valid TOML ({exc}); expected key = value lines such as "
        'provider = "Name in quotes", weeks = 12, start_window = ["2024-04-01", "2025-03-31"]'
    )


def read_contracts(path: str | Path) -> Contracts:
    """Read a contracts TOML file into :class:`Contracts`; raises :class:`ContractsError` if it is malformed."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ContractsError(f"{path}: no such contracts file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ContractsError(f"{path}: cannot read the contracts file ({exc}); expected UTF-8 TOML") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(path, text, exc) from None
    return _Reader(path, text, data).read()
