"""Reference data shipped with auditkit, and where a postcode lies relative to the WMCA area.

The tables live in ``auditkit/data`` (its README.md says where each came from). They are read once and
cached; the functions return copies, so callers may change what they get.

Residency (rules W5_RES_01/02) is decided by :func:`wmca_area`: exactly, by postcode, when an ONS
postcode directory is given (:func:`read_postcode_directory`), else approximately, by postcode district,
from ``wmca-postcode-districts.csv``.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from auditkit.errors import InputError
from auditkit.frames.reference import REFERENCE_TABLES

#: ONS local authority district codes of the seven WMCA constituent councils, with their names.
WMCA_COUNCILS: dict[str, str] = {
    "E08000025": "Birmingham",
    "E08000026": "Coventry",
    "E08000027": "Dudley",
    "E08000028": "Sandwell",
    "E08000029": "Solihull",
    "E08000030": "Walsall",
    "E08000031": "Wolverhampton",
}
WMCA_LAD_CODES: frozenset[str] = frozenset(WMCA_COUNCILS)

#: Values :func:`wmca_area` returns.
AREA_STATUSES: tuple[str, ...] = ("inside", "straddling", "outside", "unknown")

#: Postcode areas holding every postcode of the seven councils.
WMCA_POSTCODE_AREAS: frozenset[str] = frozenset({"B", "CV", "DY", "WS", "WV"})

#: Geographic postcode areas of the UK, Channel Islands and Isle of Man (no ZZ pseudo-postcodes, no BF/BX).
UK_POSTCODE_AREAS: frozenset[str] = frozenset({
    "AB", "AL", "B", "BA", "BB", "BD", "BH", "BL", "BN", "BR", "BS", "BT", "CA", "CB", "CF", "CH", "CM", "CO", "CR",
    "CT", "CV", "CW", "DA", "DD", "DE", "DG", "DH", "DL", "DN", "DT", "DY", "E", "EC", "EH", "EN", "EX", "FK", "FY",
    "G", "GL", "GU", "GY", "HA", "HD", "HG", "HP", "HR", "HS", "HU", "HX", "IG", "IM", "IP", "IV", "JE", "KA", "KT",
    "KW", "KY", "L", "LA", "LD", "LE", "LL", "LN", "LS", "LU", "M", "ME", "MK", "ML", "N", "NE", "NG", "NN", "NP",
    "NR", "NW", "OL", "OX", "PA", "PE", "PH", "PL", "PO", "PR", "RG", "RH", "RM", "S", "SA", "SE", "SG", "SK", "SL",
    "SM", "SN", "SO", "SP", "SR", "SS", "ST", "SW", "SY", "TA", "TD", "TF", "TN", "TQ", "TR", "TS", "TW", "UB", "W",
    "WA", "WC", "WD", "WF", "WN", "WR", "WS", "WV", "YO", "ZE",
})

_OUTWARD = r"[A-Z]{1,2}[0-9][A-Z0-9]?"
_INWARD = r"[0-9][A-Z]{2}"
_FULL_RE = re.compile(rf"^({_OUTWARD})({_INWARD})$")
_OUTWARD_RE = re.compile(rf"^{_OUTWARD}$")
_SPACES_RE = re.compile(r"\s+")

@cache
def _table(name: str) -> pd.DataFrame:
    with resources.files("auditkit").joinpath("data", name).open("rb") as fh:
        frame = pd.read_csv(fh, dtype="string", keep_default_na=False, na_values=[""])
    return REFERENCE_TABLES[name].conform(frame)


def destination_codes() -> pd.DataFrame:
    """The WMCA destination code table (``WMCA<n>.<m>`` -> ESFA DPOutcome type and code, categories)."""
    return _table("wmca-destination-codes.csv").copy()


def approved_bootcamps() -> pd.DataFrame:
    """Approved bootcamp aims of the 2021-22 programme: provider, lars_code, bootcamp, duration_weeks."""
    return _table("approved-bootcamps-2021-22.csv").copy()


def postcode_districts() -> pd.DataFrame:
    """Postcode districts in and around the WMCA area: district, status, councils, note (approximate)."""
    return _table("wmca-postcode-districts.csv").copy()


@lru_cache(maxsize=1)
def _district_status() -> dict[str, str]:
    table = _table("wmca-postcode-districts.csv")
    return dict(zip(table["district"], table["status"], strict=True))


def _compact(postcode: object) -> str | None:
    if not isinstance(postcode, str):
        return None
    return _SPACES_RE.sub("", postcode.upper())


def normalise_postcode(postcode: object) -> str | None:
    """A full postcode in its usual form (``"b152tt"`` -> ``"B15 2TT"``); None when it is not one."""
    compact = _compact(postcode)
    match = _FULL_RE.match(compact) if compact else None
    return f"{match[1]} {match[2]}" if match else None


def postcode_district(postcode: object) -> str | None:
    """The outward code (district) of a postcode: ``"b15 2tt"`` and ``"B152TT"`` -> ``"B15"``.

    A bare outward code (``"B15"``) is accepted too. Anything else (empty, malformed, not text) -> None.
    """
    compact = _compact(postcode)
    if not compact:
        return None
    match = _FULL_RE.match(compact)
    if match:
        return match[1]
    return compact if _OUTWARD_RE.match(compact) else None


def _area_of_district(district: str | None) -> str:
    if district is None:
        return "unknown"
    status = _district_status().get(district)
    if status is not None:
        return status
    area = re.match(r"[A-Z]+", district)[0]  # type: ignore[index]  # districts always start with letters
    if area in UK_POSTCODE_AREAS and area not in WMCA_POSTCODE_AREAS:
        return "outside"
    return "unknown"


def wmca_area(postcodes: pd.Series, directory: pd.Series | None = None) -> pd.Series:
    """Where each postcode lies: ``inside``, ``straddling``, ``outside`` or ``unknown`` (same index).

    With ``directory`` (from :func:`read_postcode_directory`) the answer is exact: ``inside`` when the
    postcode's local authority district is one of :data:`WMCA_LAD_CODES`, ``outside`` for any other,
    ``unknown`` when the postcode is not in the directory (or is malformed).

    Without it the answer is by postcode district from :func:`postcode_districts`; districts of the
    B/CV/DY/WS/WV areas missing from the table and malformed or pseudo postcodes (``ZZ99 9ZZ``) are
    ``unknown``; a postcode of any other UK postcode area is ``outside``.
    """
    if directory is None:
        values = [_area_of_district(postcode_district(p)) for p in postcodes]
    else:
        lads = postcodes.map(normalise_postcode).map(directory)
        values = [
            "unknown" if not isinstance(lad, str) or not lad else "inside" if lad in WMCA_LAD_CODES else "outside"
            for lad in lads
        ]
    return pd.Series(values, index=postcodes.index, dtype="string", name="wmca_area")


_POSTCODE_COLUMNS = ("pcds", "pcd", "pcd2", "pcd7", "pcd8", "postcode")
_LAD_COLUMNS = ("oslaua", "laua", "ladcd", "ladcode", "lad")
_LAD_YEAR_RE = re.compile(r"^lad(\d{2})cd$")


def _loose(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def _pick(columns: list[str], exact: tuple[str, ...], year_re: re.Pattern[str] | None = None) -> str | None:
    by_loose = {_loose(c): c for c in columns}
    for wanted in exact:
        if wanted in by_loose:
            return by_loose[wanted]
    if year_re is not None:
        dated = sorted((m[1], c) for loose, c in by_loose.items() if (m := year_re.match(loose)))
        if dated:
            return dated[-1][1]  # the latest year's boundaries
    return None


def read_postcode_directory(path: str | Path, chunksize: int = 500_000) -> pd.Series:
    """Postcode -> local authority district code, from an ONS postcode directory CSV (ONSPD or NSPL).

    The postcode column is the first of ``pcds``, ``pcd``, ``pcd2``, ``pcd7``, ``pcd8``, ``postcode`` found;
    the district column ``oslaua``, ``laua``, ``ladcd`` or the latest ``ladNNcd`` (names matched ignoring
    case and punctuation). Only those two columns are read, in chunks, so a full 1+ GB directory works.
    The index is the normalised postcode (``"B15 2TT"``), the value the LAD code (``E08000025``).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file (given as the ONS postcode directory)")
    options = {"encoding": "utf-8-sig", "encoding_errors": "replace"}
    try:
        columns = [str(c) for c in pd.read_csv(path, nrows=0, **options).columns]
    except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError) as exc:
        raise InputError(f"{path}: not a readable CSV postcode directory ({exc})") from exc
    postcode_col = _pick(columns, _POSTCODE_COLUMNS)
    lad_col = _pick(columns, _LAD_COLUMNS, _LAD_YEAR_RE)
    if postcode_col is None or lad_col is None:
        shown = ", ".join(columns[:40]) + (f", ... ({len(columns)} columns)" if len(columns) > 40 else "")
        missing = " and ".join(
            what for what, col in (("a postcode column (pcds, pcd, pcd7, pcd8, postcode)", postcode_col),
                                   ("a local authority district column (oslaua, laua, ladcd, lad24cd, ...)",
                                    lad_col)) if col is None
        )
        raise InputError(f"{path}: not an ONS postcode directory: expected {missing}; found columns: {shown or 'none'}")
    parts: list[pd.Series] = []
    try:
        reader = pd.read_csv(path, usecols=[postcode_col, lad_col], dtype="string", chunksize=chunksize,
                             keep_default_na=False, na_values=[""], **options)
        for chunk in reader:
            compact = chunk[postcode_col].str.upper().str.replace(r"\s+", "", regex=True)
            pieces = compact.str.extract(f"^({_OUTWARD})({_INWARD})$")
            keys = pieces[0] + " " + pieces[1]
            lad = chunk[lad_col].str.strip()
            keep = keys.notna() & lad.notna() & (lad != "")
            parts.append(pd.Series(lad[keep].to_numpy(), index=keys[keep].to_numpy(), dtype="string"))
    except (pd.errors.ParserError, ValueError, OSError) as exc:
        raise InputError(f"{path}: could not read the postcode directory ({exc})") from exc
    out = pd.concat(parts) if parts else pd.Series(dtype="string")
    out = out[~out.index.duplicated(keep="first")]
    out.index = out.index.astype("string").rename("postcode")
    return out.rename("lad_code")
