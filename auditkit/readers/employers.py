"""Read an employer register (CSV or XLSX) into the employers frame.

One row per employer: ``employer_id`` (text: ``E001`` and ``900100037`` alike), ``name``, ``size`` (``sme`` or
``large``), ``roles`` (any of ``co-design``, ``delivery``, ``interview``, ``own-staff``, separated by ``;``, ``,``
or ``|``), ``satisfaction`` (0-5, scored at Milestone 2), ``date_contacted`` and ``confirmed`` (whether the
employer confirmed its involvement). Column names are matched without regard to case, spaces, underscores,
hyphens, dots or a bracketed note, and by the other names in :data:`REGISTER_ALIASES` (``Satisfaction score`` is
``satisfaction``); extra columns are kept as text.

Employer ids are compared by :func:`employer_id_key`: whitespace and case ignored, and an id of digits only
compared as a number (``000123`` is the ILR's EmpId 123, since an EmpId, an integer, has no leading zeros). An
empty id matches nothing, not even another empty id.

Bad values are reported (``REG_*`` rows of the evidence problems frame, with file, row and reason) and left
empty; a row with neither an id nor a name, or repeating an id already read (as compared), is reported and
dropped. ``columns`` of the result says which register columns the file has: a check needing one it lacks is
not evaluated (see ``auditkit.rules.evidence``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from auditkit.frames.employers import EMPLOYERS
from auditkit.frames.evidence import EVIDENCE_PROBLEMS
from auditkit.readers.discover import InputError
from auditkit.readers.evidence import encoding_problem, match_columns, parse_dates, read_table

ROLES: tuple[str, ...] = ("co-design", "delivery", "interview", "own-staff")
#: Sizes as written (letters only, lower case) -> sme or large.
SIZES: dict[str, str] = {**dict.fromkeys(("sme", "small", "medium", "micro", "smallmedium", "smallandmedium",
                                          "smallormedium"), "sme"), "large": "large"}
YES_NO: dict[str, str] = {"yes": "yes", "y": "yes", "true": "yes", "1": "yes", "confirmed": "yes",
                          "no": "no", "n": "no", "false": "no", "0": "no"}
REGISTER_COLUMNS: tuple[str, ...] = ("employer_id", "name", "size", "roles", "satisfaction", "date_contacted",
                                     "confirmed")
#: Other names a register column is known by (compared loosely); a column named as in :data:`REGISTER_COLUMNS`
#: wins over one named by an alias.
REGISTER_ALIASES: dict[str, tuple[str, ...]] = {
    "employer_id": ("id", "emp id", "employer ref", "employer reference", "employer number", "employer no", "ern"),
    "name": ("employer", "employer name", "company", "company name", "organisation", "organization",
             "organisation name"),
    "size": ("employer size", "company size", "sme or large"),
    "roles": ("role", "employer roles", "involvement"),
    "satisfaction": ("satisfaction score", "employer satisfaction", "satisfaction rating", "score", "rating"),
    "date_contacted": ("contacted", "contact date", "contacted on", "date of contact", "last contacted"),
    "confirmed": ("involvement confirmed", "confirmation", "confirmed involvement"),
}

@dataclass(frozen=True)
class EmployerRegister:
    """The register read from a file: ``employers`` and the ``problems`` found in it."""

    employers: pd.DataFrame
    problems: pd.DataFrame
    columns: tuple[str, ...] = REGISTER_COLUMNS  # the register columns the file has
    source: str | None = None  # the register file


def employer_key(names: pd.Series) -> pd.Series:
    """Employer names compared loosely: case, punctuation and spacing ignored, ``&`` read as ``and``, ``Limited``
    as ``Ltd`` and ``Public Limited Company`` as ``plc`` (``Arden Mutual Insurance PLC.`` is
    ``arden mutual insurance plc``)."""
    key = names.astype("string").str.lower().str.replace("&", " and ", regex=False)
    key = key.str.replace(r"[^\w\s]", " ", regex=True).str.replace(r"\s+", " ", regex=True).str.strip()
    key = key.str.replace(r"\bpublic limited company$", "plc", regex=True)
    key = key.str.replace(r"\blimited$", "ltd", regex=True)
    return key.where(key != "")


def employer_id_key(ids: pd.Series) -> pd.Series:
    """Employer ids compared as text: whitespace removed, upper case, an id of digits only without its leading
    zeros (``" 000123 "``, ``123`` and the EmpId 123 are ``123``; ``e001`` is ``E001``); NA where empty. Works on
    the register's text ids and the ILR's integer EmpIds alike."""
    text = ids.astype("string").str.replace(r"\s+", "", regex=True).str.upper()
    text = text.str.replace(r"^(\d+)\.0*$", r"\1", regex=True)  # 123.0: a number read as a decimal
    digits = text.str.fullmatch(r"\d+").fillna(False).astype(bool)
    text = text.mask(digits, text.str.lstrip("0").replace("", "0"))
    return text.where(text != "").astype("string")


def _problems(rows: pd.DataFrame, mask: pd.Series, check_id: str, column: str, reason: pd.Series | str,
              outcome: str = "kept") -> pd.DataFrame:
    if not mask.any():
        return EVIDENCE_PROBLEMS.empty()
    sel = rows[mask]
    return EVIDENCE_PROBLEMS.conform(pd.DataFrame({
        "file": sel["_file"], "row": sel["_row"], "check_id": check_id, "column": column, "value": sel[column],
        "reason": reason[mask] if isinstance(reason, pd.Series) else reason, "outcome": outcome,
    }))


def _roles(texts: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Roles normalised (``Own staff`` is ``own-staff``) and joined with ``;``, and the unknown ones per row."""
    parts = texts.fillna("").str.lower().str.split(r"[;,|/]")
    norm = parts.map(lambda ps: [re.sub(r"[\s_]+", "-", p.strip()) for p in ps if p.strip()])
    known = norm.map(lambda rs: ";".join(r for r in ROLES if r in rs))
    unknown = norm.map(lambda rs: ", ".join(repr(r) for r in rs if r not in ROLES))
    return known.astype("string").replace("", pd.NA), unknown.astype("string")


def _register_values(rows: pd.DataFrame) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    employer_id = rows["employer_id"].str.strip().replace("", pd.NA).astype("string")
    size = rows["size"].str.lower().str.replace(r"[^a-z]", "", regex=True).map(SIZES).astype("string")
    roles, unknown_roles = _roles(rows["roles"])
    score = pd.to_numeric(rows["satisfaction"].where(rows["satisfaction"] != ""), errors="coerce").astype("Float64")
    score_ok = score.between(0, 5).fillna(False).astype(bool)
    contacted, bad_date = parse_dates(rows["date_contacted"])
    confirmed = rows["confirmed"].str.lower().map(YES_NO).astype("string")
    filled = {c: rows[c] != "" for c in REGISTER_COLUMNS}
    problems = [
        _problems(rows, filled["size"] & size.isna(), "REG_BAD_VALUE", "size",
                  "size " + rows["size"].map(repr) + " is neither sme nor large (left empty)"),
        _problems(rows, unknown_roles != "", "REG_BAD_VALUE", "roles",
                  "unknown role(s) " + unknown_roles + " left out; expected any of " + ", ".join(ROLES)),
        _problems(rows, filled["satisfaction"] & ~score_ok, "REG_BAD_VALUE", "satisfaction",
                  "satisfaction " + rows["satisfaction"].map(repr) + " is not a score from 0 to 5 (left empty)"),
        _problems(rows, bad_date, "REG_BAD_DATE", "date_contacted",
                  "date_contacted " + rows["date_contacted"].map(repr) + " cannot be read as a date (left empty)"),
        _problems(rows, filled["confirmed"] & confirmed.isna(), "REG_BAD_VALUE", "confirmed",
                  "confirmed " + rows["confirmed"].map(repr) + " is neither yes nor no (left empty)"),
    ]
    values = rows.assign(employer_id=employer_id, size=size, roles=roles, satisfaction=score.where(score_ok),
                         date_contacted=contacted, confirmed=confirmed, name=rows["name"].replace("", pd.NA))
    return values, problems


def read_employers(path: str | Path) -> EmployerRegister:
    """Read an employer register (CSV or XLSX); a register without a ``name`` or ``employer_id`` column raises
    :class:`InputError`, bad rows are reported in ``problems``."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such employer register")
    table = read_table(path)
    encoding = encoding_problem(table, path, "REG_ENCODING")
    found, extra = match_columns(table, REGISTER_COLUMNS, REGISTER_ALIASES)
    if "name" not in found and "employer_id" not in found:
        raise InputError(f"{path}: no column for name or employer_id; found columns "
                         f"{', '.join(c for c in table.columns if c != '_row') or '(none)'} "
                         f"(expected {', '.join(REGISTER_COLUMNS)}; case, spaces and underscores do not matter)")
    rows = pd.DataFrame({c: table[found[c]] if c in found else "" for c in REGISTER_COLUMNS},
                        index=table.index).astype("string").fillna("")
    rows = rows.assign(_row=table["_row"], _file=str(path))
    values, problems = _register_values(rows)
    anonymous = values["employer_id"].isna() & values["name"].isna()
    key = employer_id_key(values["employer_id"])
    repeated = (key.notna() & key.duplicated()).astype(bool)
    first = pd.Series(values["_row"].to_numpy(), index=key.to_numpy())
    first = first[~first.index.duplicated()]
    problems += [
        encoding,
        _problems(rows, anonymous, "REG_NO_EMPLOYER", "name", "neither an employer_id nor a name", "dropped"),
        _problems(rows, repeated, "REG_DUPLICATE", "employer_id",
                  "employer_id " + rows["employer_id"].map(repr) + " is the same employer as the one of row "
                  + key.map(first).astype("string") + "; the first row is used", "dropped"),
    ]
    keep = ~(anonymous | repeated)
    frame = EMPLOYERS.conform(values[keep].assign(name_key=employer_key(values.loc[keep, "name"]), source=str(path),
                                                  row=values.loc[keep, "_row"]))
    taken = set(EMPLOYERS.columns)
    for name in extra:
        frame[f"extra_{name}" if name in taken else name] = table.loc[keep, name].astype("string").to_numpy()
    found_problems = [p for p in problems if len(p)]
    all_problems = pd.concat(found_problems, ignore_index=True) if found_problems else EVIDENCE_PROBLEMS.empty()
    return EmployerRegister(frame, all_problems.sort_values(["row", "column"], kind="stable").reset_index(drop=True),
                            columns=tuple(c for c in REGISTER_COLUMNS if c in found), source=str(path))
