"""Read evidence: a manifest (CSV or XLSX), a folder of documents, or both, into one evidence frame.

A *manifest* (tracker) has one row per document; its column names are matched without regard to case,
spaces, underscores, hyphens or dots (``Learn Ref Number`` and ``EVIDENCE_TYPE`` are understood), and columns
it has beyond :data:`MANIFEST_COLUMNS` are kept, as text, after the declared ones.

A *document folder* is laid out as ``<ukprn>/<learn_ref_number>/<evidence_type>[__<yyyy-mm-dd>][__<anything>].<ext>``.
Every file gets its SHA-256 and size; PDFs also their metadata (creation and modification dates, producer,
author, pages), read with pypdf. A file listed in the manifest (``file``, relative to the manifest) and present
on disk is *matched*: its row carries the file's facts. Files of the folder no manifest row lists become rows of
their own, their type, date and learner read from their path.

Bad rows are never dropped silently: each problem is a row of the problems frame naming the file, the row (as a
spreadsheet numbers it, the header being row 1) and the reason. A row whose evidence type, learner or document
date cannot be read is left out of the evidence frame (``outcome`` = ``dropped``); a row with a bad optional value
or a file problem (missing, unreadable, encrypted, hash not matching) is kept (``outcome`` = ``kept``).
"""

from __future__ import annotations

import codecs
import datetime as dt
import difflib
import hashlib
import io
import logging
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeAlias

import pandas as pd

from auditkit.frames.evidence import EVIDENCE, EVIDENCE_PROBLEMS
from auditkit.readers.discover import InputError, expansion_problem
from auditkit.readers.limits import ENV, Limits, size_text
from auditkit.readers.paths import Skipped, unsafe_name, walk

#: One value of :func:`file_facts`: text, a count, a PDF's date, or None.
FileFact: TypeAlias = str | int | dt.datetime | None

#: Stages of the evidence behind a bootcamp, in the order a learner goes through them.
STAGES: tuple[str, ...] = ("eligibility", "co-funding", "delivery", "completion", "M2", "M3", "after")
#: Every evidence type and its stage.
EVIDENCE_TYPES: dict[str, str] = {
    "enrolment_form": "eligibility", "id_check": "eligibility", "residency_proof": "eligibility",
    "employment_status_declaration": "eligibility", "iag_record": "eligibility", "initial_assessment": "eligibility",
    "employer_contribution_invoice": "co-funding", "employer_contribution_payment": "co-funding",
    "attendance_record": "delivery",
    "final_assessment": "completion", "certificate_of_achievement": "completion", "vendor_qualification": "completion",
    "interview_offer": "M2", "new_responsibilities_letter": "M2", "self_employment_action_plan": "M2",
    "job_offer": "M3", "new_role_offer": "M3", "self_employment_contract": "M3",
    "destination_evidence": "after", "referral_record": "after",
}
#: The columns a manifest may have (``ukprn``, ``evidence_type``, ``document_date`` and a learner are required).
MANIFEST_COLUMNS: tuple[str, ...] = ("ukprn", "learn_ref_number", "uln", "evidence_type", "document_date",
                                     "received_date", "employer", "amount", "reference", "file", "sha256", "notes")
REQUIRED_COLUMNS: tuple[str, ...] = ("ukprn", "evidence_type", "document_date")
#: Other names a manifest column is known by (compared loosely, like the column names themselves); a column named
#: as in :data:`MANIFEST_COLUMNS` wins over one named by an alias.
MANIFEST_ALIASES: dict[str, tuple[str, ...]] = {
    "ukprn": ("provider ukprn",),
    "learn_ref_number": ("learner ref", "learner reference", "learner ref no", "lrn"),
    "uln": ("unique learner number",),
    "evidence_type": ("type", "document type", "doc type", "evidence"),
    "document_date": ("date", "doc date", "dated", "date of document", "date on document"),
    "received_date": ("received", "date received"),
    "employer": ("employer name", "company"),
    "amount": ("amount gbp", "amount paid", "invoice amount"),
    "reference": ("ref", "invoice number", "invoice no"),
    "file": ("path", "file path", "filename", "file name", "document", "document file"),
    "sha256": ("hash", "file hash"),
    "notes": ("note", "comments", "comment"),
}
#: The evidence columns a document folder gives (read from each file's path, and its hash from its bytes).
FOLDER_COLUMNS: tuple[str, ...] = ("ukprn", "learn_ref_number", "evidence_type", "document_date", "file", "sha256")
#: File names in a document folder that are operating-system clutter, not documents (skipped).
IGNORED_FILES: frozenset[str] = frozenset({"thumbs.db", "desktop.ini"})

@dataclass(frozen=True)
class EvidenceData:
    """What was read: ``evidence`` (one row per document), ``problems`` (every bad row) and ``employers`` (the
    employer register, None when none was given).

    Where it was read from, so that a check needing a column no source has can say so: ``manifest`` and
    ``manifest_columns`` (the :data:`MANIFEST_COLUMNS` the manifest has), ``documents`` (the document folder),
    ``register`` and ``register_columns`` (the register's columns). Evidence built by hand leaves them None: its
    columns are then taken as given."""

    evidence: pd.DataFrame
    problems: pd.DataFrame
    employers: pd.DataFrame | None = None
    manifest: str | None = None
    manifest_columns: frozenset[str] | None = None
    documents: str | None = None
    register: str | None = None
    register_columns: frozenset[str] | None = None

    def with_employers(self, employers: pd.DataFrame, problems: pd.DataFrame | None = None, *,
                       columns: Iterable[str] | None = None, source: str | Path | None = None) -> EvidenceData:
        """The same evidence with an employer register (and the register's problems added); ``columns``: the
        register columns the file has (``EmployerRegister.columns``), ``source``: the register file."""
        extra = [self.problems] + ([problems] if problems is not None and len(problems) else [])
        merged = pd.concat(extra, ignore_index=True) if len(extra) > 1 else self.problems
        return replace(self, employers=employers, problems=merged,
                       register=None if source is None else str(source),
                       register_columns=None if columns is None else frozenset(columns))

    def lacks(self, column: str) -> str | None:
        """Why no evidence source has the column ``column`` at all (a manifest without it, or only a document
        folder, which gives :data:`FOLDER_COLUMNS`); None when a source has it or the sources are not known."""
        if self.manifest is None and self.documents is None:
            return None
        if self.manifest_columns is not None and column in self.manifest_columns:
            return None
        if self.documents is not None and column in FOLDER_COLUMNS:
            return None
        if self.manifest is None:
            return f"there is no manifest and a document folder gives no {column}"
        if column == "file":
            return f"the manifest {self.manifest} has no file column and no document folder was given"
        folder = " (and a document folder gives none)" if self.documents is not None else ""
        return f"the manifest {self.manifest} has no {column} column{folder}"

    def register_lacks(self, column: str) -> str | None:
        """Why the employer register has no column ``column`` (None when it has, when there is no register, or
        when its columns are not known)."""
        if self.employers is None or self.register_columns is None or column in self.register_columns:
            return None
        where = f" {self.register}" if self.register else ""
        return f"the employer register{where} has no {column} column"


# -- tables: CSV or XLSX into text cells with spreadsheet row numbers --------------------------------------------

def norm_column(name: object) -> str:
    """A column name compared loosely: lower case, without spaces, underscores, hyphens, dots or a bracketed
    note (``Satisfaction (0-5)`` is ``satisfaction``, ``Amount (£)`` is ``amount``)."""
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", "", str(name))
    return re.sub(r"[\s_\-.]+", "", text).lower() or re.sub(r"[\s_\-.]+", "", str(name)).lower()


def read_table(path: Path, *, limits: Limits | None = None) -> pd.DataFrame:
    """A CSV or XLSX file as text cells (stripped, "" when empty), header names as written, and the column
    ``_row``: the row as a spreadsheet shows it (header row 1). Blank rows are left out.

    A CSV is decoded by its byte order mark (UTF-8, UTF-16, UTF-32), else as UTF-16 when it looks like it (many
    NUL bytes), else as UTF-8, else as Windows-1252, else as Latin-1; when that was a guess,
    ``table.attrs["encoding_note"]`` says so. An XLSX whose parts would expand over :attr:`Limits.xlsx_bytes` (or
    by more than :attr:`Limits.ratio`) is refused before it is expanded (:mod:`auditkit.readers.limits`)."""
    suffix = path.suffix.lower()
    note = None
    if suffix in (".xlsx", ".xlsm"):
        table = _read_xlsx(path, limits or Limits.current())
    elif suffix in (".csv", ".txt", ""):
        table, note = _read_csv(path)
    else:
        raise InputError(f"{path}: not a CSV or XLSX file; expected .csv or .xlsx")
    cells = table.drop(columns="_row")
    blank = (cells == "").all(axis=1) if len(cells.columns) else pd.Series(True, index=table.index)
    out = table[~blank].reset_index(drop=True)
    if note:
        out.attrs["encoding_note"] = note
    return out


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32", "UTF-32"), (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
         (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"), (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
         (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"))


def decode_text(path: Path, data: bytes) -> tuple[str, str | None]:
    """The text of a CSV's bytes and, when the encoding was guessed rather than known (a byte order mark, or
    valid UTF-8), a note saying which was assumed."""
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), None
            except UnicodeDecodeError as exc:
                raise InputError(f"{path}: starts with a {label} byte order mark but cannot be read as {label} "
                                 f"({exc.reason} at byte {exc.start})") from None
    head = data[:4096]
    if head.count(0) > len(head) // 4:  # UTF-16 without a byte order mark: text has no NULs, UTF-16 many
        codec = "utf-16-le" if head[1::2].count(0) > head[0::2].count(0) else "utf-16-be"
        try:
            return data.decode(codec), f"no byte order mark and not UTF-8: read as {codec.upper()}"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "not UTF-8: read as Windows-1252 (cp1252)"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "neither UTF-8 nor Windows-1252: read as Latin-1 (ISO-8859-1)"


def _read_csv(path: Path) -> tuple[pd.DataFrame, str | None]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    text, note = decode_text(path, data)
    try:
        table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{path}: cannot be read as CSV ({exc})") from exc
    table = table.fillna("").apply(lambda s: s.str.strip())
    return table.assign(_row=range(2, len(table) + 2)), note


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def check_xlsx(path: Path, limits: Limits) -> None:
    """Refuse (:class:`InputError`) an XLSX whose parts, as its zip headers declare them, expand over the limits:
    checked before anything is expanded."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise InputError(f"{path}: cannot be read as an XLSX workbook (not a readable zip: {exc})") from None
    total = sum(i.file_size for i in infos)
    if total > limits.xlsx_bytes:
        raise InputError(f"{path}: the workbook expands to {size_text(total)}, over the limit of "
                         f"{size_text(limits.xlsx_bytes)} for a manifest or register (set {ENV['xlsx_bytes']} to "
                         "change it, or save it as CSV); refused, not read")
    for info in infos:
        problem = expansion_problem(info.file_size, info.compress_size, limits, what=f"part {info.filename}",
                                    size_limit=limits.xlsx_bytes, size_env=ENV["xlsx_bytes"])
        if problem is not None:
            raise InputError(f"{path}: {problem}")


def _read_xlsx(path: Path, limits: Limits) -> pd.DataFrame:
    from openpyxl import load_workbook

    check_xlsx(path, limits)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise InputError(f"{path}: cannot be read as an XLSX workbook ({exc})") from exc
    try:
        rows = [(n, [_cell_text(v) for v in values])
                for n, values in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1)]
    except Exception as exc:  # damaged sheet XML, bad cell values, ...
        raise InputError(f"{path}: the first sheet cannot be read ({type(exc).__name__}: {exc})") from exc
    finally:
        book.close()
    rows = [(n, cells) for n, cells in rows if any(cells)]
    if not rows:
        raise InputError(f"{path}: the first sheet is empty; expected a header row and one row per line")
    (_, header), body = rows[0], rows[1:]
    width = max(len(header), *(len(c) for _, c in body)) if body else len(header)
    names = [h or f"column {i + 1}" for i, h in enumerate(header + [""] * (width - len(header)))]
    data = [cells + [""] * (width - len(cells)) for _, cells in body]
    table = pd.DataFrame(data, columns=names, dtype=object).astype("string").fillna("")
    return table.assign(_row=[n for n, _ in body])


def match_columns(table: pd.DataFrame, wanted: tuple[str, ...],
                  aliases: dict[str, tuple[str, ...]] | None = None) -> tuple[dict[str, str], list[str]]:
    """``wanted column -> column of the table`` and the table's other columns.

    Names are compared loosely (:func:`norm_column`); a column named as wanted wins over one named by an alias
    (``aliases``: other names each wanted column may have), and otherwise the first match wins."""
    found: dict[str, str] = {}
    by_norm = {norm_column(w): w for w in wanted}
    by_alias = {norm_column(a): w for w, names in (aliases or {}).items() for a in names}
    columns = [c for c in table.columns if c != "_row"]
    for lookup in (by_norm, by_alias):
        for name in columns:
            key = lookup.get(norm_column(name))
            if key is not None and key not in found and name not in found.values():
                found[key] = name
    taken = set(found.values())
    return found, [c for c in columns if c not in taken]


# -- values ------------------------------------------------------------------------------------------------------

_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d-%m-%Y", "%d.%m.%Y",
                 "%Y/%m/%d", "%d/%m/%y")


def parse_dates(texts: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates written as ``2024-05-01``, ``01/05/2024`` (day first), ``01-05-2024``, ``01.05.2024`` or with a time;
    returns (the dates at midnight, NaT where empty or unreadable) and a mask of the unreadable ones."""
    texts = texts.astype("string").fillna("").str.strip()
    out = pd.Series(pd.NaT, index=texts.index, dtype="datetime64[ns]")
    for fmt in _DATE_FORMATS:
        todo = out.isna() & (texts != "")
        if not todo.any():
            break
        out[todo] = pd.to_datetime(texts[todo], format=fmt, errors="coerce")
    bad = (out.isna() & (texts != "")).astype(bool)
    return out.dt.normalize(), bad


def parse_amounts(texts: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Money as written (``350``, ``350.00``, ``£1,050.00``); returns (Float64 amounts, mask of unreadable ones)."""
    texts = texts.astype("string").fillna("").str.strip()
    cleaned = texts.str.replace(r"[£,\s]", "", regex=True).str.replace(r"^GBP", "", regex=True)
    values = pd.to_numeric(cleaned.where(cleaned != ""), errors="coerce").astype("Float64")
    return values, (values.isna() & (texts != "")).fillna(False).astype(bool)


def norm_type(texts: pd.Series) -> pd.Series:
    """Evidence types compared loosely: ``ID Check`` and ``id-check`` are ``id_check``."""
    return texts.astype("string").fillna("").str.strip().str.lower().str.replace(r"[\s\-]+", "_", regex=True)


# -- problems ------------------------------------------------------------------------------------------------------

def _problems(rows: pd.DataFrame, mask: pd.Series, check_id: str, column: str, value: pd.Series | str,
              reason: pd.Series | str, outcome: str) -> pd.DataFrame:
    """Problem rows for the rows of ``rows`` where ``mask`` is True (``rows`` has _file, _row, ukprn, lrn, uln,
    _document); a Series ``value`` or ``reason`` is aligned with ``rows`` or holds the masked rows only."""
    if not mask.any():
        return EVIDENCE_PROBLEMS.empty()
    sel = rows[mask]

    def pick(x: pd.Series | str) -> Any:  # a Series of every row, or of the masked rows only
        if not isinstance(x, pd.Series):
            return x
        return x[mask] if x.index.equals(mask.index) else x.reindex(sel.index)

    return EVIDENCE_PROBLEMS.conform(pd.DataFrame({
        "file": sel["_file"], "row": sel["_row"], "check_id": check_id, "column": column, "value": pick(value),
        "reason": pick(reason), "outcome": outcome, "ukprn": sel["ukprn"], "learn_ref_number": sel["learn_ref_number"],
        "uln": sel["uln"], "document": sel["_document"],
    }))


def per_distinct(values: pd.Series, mask: pd.Series, fn: Callable[[str], str]) -> pd.Series:
    """``fn`` of ``values`` where ``mask`` is True, as a string Series of those rows only: ``fn`` runs once per
    distinct value, so a message (a ``repr``, a "did you mean") costs nothing for the rows that need none."""
    picked = values[mask]
    texts = {value: fn(value) for value in picked.drop_duplicates()}
    return picked.map(texts).astype("string")


def _concat(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else EVIDENCE_PROBLEMS.empty()


# -- learners: who the rows are about ----------------------------------------------------------------------------

def _identify(rows: pd.DataFrame, learners: pd.DataFrame | None, prefix: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fill learn_ref_number from the ULN (and the ULN from the ILR) and report rows whose learner is unknown
    (dropped) or whose ULN is not the learner's (kept)."""
    ukprn_text = rows["ukprn"].astype("string").fillna("").str.strip()
    bad_ukprn = ~ukprn_text.str.fullmatch(r"\d{8}").fillna(False).astype(bool)
    rows = rows.assign(ukprn=pd.to_numeric(ukprn_text.where(~bad_ukprn), errors="coerce").astype("Int64"))
    no_learner = (rows["learn_ref_number"] == "") & (rows["uln"] == "")
    problems = [
        _problems(rows, bad_ukprn, f"{prefix}_UNKNOWN_LEARNER", "ukprn", ukprn_text,
                  "ukprn " + per_distinct(ukprn_text, bad_ukprn, repr) + " is not an 8-digit UKPRN", "dropped"),
        _problems(rows, ~bad_ukprn & no_learner, f"{prefix}_UNKNOWN_LEARNER", "learn_ref_number", "",
                  "no learner given; expected a learn_ref_number or a ULN", "dropped"),
    ]
    unknown = bad_ukprn | no_learner
    if learners is not None:
        rows, found, mismatch = _lookup(rows, learners)
        lost = ~unknown & ~found
        who = rows["learn_ref_number"].where(rows["learn_ref_number"] != "", "with ULN " + rows["uln"])
        problems.append(_problems(rows, lost, f"{prefix}_UNKNOWN_LEARNER", "learn_ref_number",
                                  rows["learn_ref_number"].where(rows["learn_ref_number"] != "", rows["uln"]),
                                  "learner " + who + " is in no ILR return of UKPRN "
                                  + rows["ukprn"].astype("string").fillna(""), "dropped"))
        problems.append(_problems(rows, ~unknown & found & mismatch, f"{prefix}_ULN_MISMATCH", "uln", rows["uln"],
                                  "ULN " + rows["uln"] + " is not the ULN of learner " + rows["learn_ref_number"]
                                  + " in the ILR", "kept"))
        unknown = unknown | lost
    return rows.assign(_drop=rows["_drop"] | unknown), _concat(problems)


def _lookup(rows: pd.DataFrame, learners: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    people = learners[["ukprn", "learn_ref_number", "uln"]].astype({"ukprn": "Int64", "learn_ref_number": "string",
                                                                  "uln": "string"})
    by_uln = people.dropna(subset=["uln"]).drop_duplicates(["ukprn", "uln"], keep="last")
    need = (rows["learn_ref_number"] == "") & (rows["uln"] != "")
    lrn = rows[["ukprn", "uln"]].merge(by_uln, on=["ukprn", "uln"], how="left")["learn_ref_number"]
    rows = rows.assign(learn_ref_number=rows["learn_ref_number"].where(~need, lrn.fillna("").to_numpy()))
    keys = pd.MultiIndex.from_frame(rows[["ukprn", "learn_ref_number"]])
    found = pd.Series(keys.isin(pd.MultiIndex.from_frame(people[["ukprn", "learn_ref_number"]])), index=rows.index)
    pairs = pd.MultiIndex.from_frame(people[["ukprn", "learn_ref_number", "uln"]].dropna())
    given = rows["uln"] != ""
    same = pd.MultiIndex.from_frame(rows[["ukprn", "learn_ref_number", "uln"]]).isin(pairs)
    mismatch = pd.Series(given.to_numpy() & ~same, index=rows.index)
    ilr_uln = rows[["ukprn", "learn_ref_number"]].merge(
        people.dropna(subset=["uln"]).drop_duplicates(["ukprn", "learn_ref_number"], keep="last"),
        on=["ukprn", "learn_ref_number"], how="left")["uln"]
    rows = rows.assign(uln=rows["uln"].where(given, ilr_uln.fillna("").to_numpy()))
    return rows, found, mismatch


# -- files: hash, size, PDF metadata -----------------------------------------------------------------------------

def _pdf_date(meta: Any, attribute: str) -> dt.datetime | None:
    try:
        value = getattr(meta, attribute)
    except Exception:  # pypdf raises on a malformed date string
        return None
    return value.replace(tzinfo=None) if isinstance(value, dt.datetime) else None


def pdf_facts(path: Path) -> dict[str, FileFact]:
    """Metadata of a PDF: ``file_status`` (present, unreadable or encrypted), ``pdf_*`` values, ``error``."""
    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(path, strict=False)
        status = "present"
        if reader.is_encrypted:
            status = "encrypted"
            if not reader.decrypt(""):
                return {"file_status": status, "error": "the PDF is encrypted (it needs a password to open)"}
        meta = reader.metadata
        facts: dict[str, FileFact] = {"file_status": status, "pdf_pages": len(reader.pages),
                 "error": "the PDF is encrypted (it opens without a password)" if status == "encrypted" else None}
    except Exception as exc:  # a damaged PDF can fail in many ways inside pypdf
        return {"file_status": "unreadable", "error": f"pypdf cannot read it ({type(exc).__name__}: {exc})"}
    if meta is not None:
        facts |= {"pdf_created": _pdf_date(meta, "creation_date"), "pdf_modified": _pdf_date(meta, "modification_date"),
                  "pdf_producer": _meta_text(meta, "producer"), "pdf_author": _meta_text(meta, "author")}
    return facts


def _meta_text(meta: Any, attribute: str) -> str | None:
    try:
        value = getattr(meta, attribute)
    except Exception:
        return None
    return None if value is None else str(value)


def file_facts(path: Path) -> dict[str, FileFact]:
    """``sha256``, ``file_size`` and, for a PDF, :func:`pdf_facts` of one file; a file that cannot be opened
    (permissions, a folder, ...) is ``unreadable`` with the reason in ``error``."""
    try:
        with open(path, "rb") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
            size = fh.tell()
            fh.seek(0)
            head = fh.read(5)
    except OSError as exc:
        return {"file_status": "unreadable", "error": f"cannot be read ({exc.strerror or exc})",
                "code": "UNREADABLE_FILE"}
    facts: dict[str, Any] = {"sha256": digest, "file_size": size, "file_status": "present"}
    if path.suffix.lower() == ".pdf" or head == b"%PDF-":
        facts |= pdf_facts(path)
    return facts


_FACT_COLUMNS = ("sha256", "file_size", "file_status", "pdf_created", "pdf_modified", "pdf_producer", "pdf_author",
                 "pdf_pages", "error", "code")


def _facts_frame(paths: pd.Series) -> pd.DataFrame:
    """:func:`file_facts` of each path (each distinct file read once), aligned with ``paths``."""
    known = {p: file_facts(Path(p)) for p in pd.unique(paths.dropna())}
    rows = [known.get(p, {}) if isinstance(p, str) else {} for p in paths]
    return pd.DataFrame(rows, index=paths.index, columns=list(_FACT_COLUMNS))


# -- the document folder ------------------------------------------------------------------------------------------

_NAME_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def scan_documents(folder: Path) -> pd.DataFrame:
    """Every file under ``folder`` (hidden and OS clutter files skipped): ``path`` (resolved), ``relative``
    (posix, from the folder) and the parts its layout gives (ukprn, learn_ref_number, evidence_type, date text).
    Symbolic links out of the folder, broken or looping are not followed (see :func:`_scan`)."""
    return _scan(folder)[0]


def _skipped_problems(skipped: list[Skipped], folder: Path) -> pd.DataFrame:
    """DOC_SYMLINK problems: the links of the document folder that were not followed."""
    shown = [s for s in skipped if not (s.path.name.startswith(".") or s.path.name.lower() in IGNORED_FILES)]
    if not shown:
        return EVIDENCE_PROBLEMS.empty()
    rel = [s.path.relative_to(folder).as_posix() for s in shown]
    return EVIDENCE_PROBLEMS.conform([{"file": str(s.path), "row": pd.NA, "check_id": "DOC_SYMLINK", "column": "file",
                                       "value": r, "reason": f"{r} {s.reason}", "outcome": "dropped",
                                       "document": str(s.path)} for s, r in zip(shown, rel, strict=True)])


def _scan(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`scan_documents` and the problems of the links not followed."""
    files, skipped = walk(folder)
    rows = []
    for p in files:
        if p.name.startswith(".") or p.name.lower() in IGNORED_FILES:
            continue
        rel = p.relative_to(folder).as_posix()
        parts = rel.split("/")
        stem = p.name.rsplit(".", 1)[0] if "." in p.name else p.name
        pieces = stem.split("__")
        date = pieces[1] if len(pieces) > 1 and _NAME_DATE.fullmatch(pieces[1]) else ""
        ukprn, lrn = (parts[0], parts[1]) if len(parts) == 3 else ("", "")
        rows.append({"path": str(p.resolve()), "relative": rel, "_depth": len(parts), "ukprn": ukprn,
                     "learn_ref_number": lrn, "evidence_type": pieces[0], "document_date": date})
    columns = ["path", "relative", "_depth", "ukprn", "learn_ref_number", "evidence_type", "document_date"]
    return pd.DataFrame(rows, columns=columns), _skipped_problems(skipped, folder)


# -- reading -------------------------------------------------------------------------------------------------------

def encoding_problem(table: pd.DataFrame, path: Path, check_id: str) -> pd.DataFrame:
    """A problem row (kept) saying which encoding was assumed for a CSV read without knowing it, if any."""
    note = table.attrs.get("encoding_note")
    if not note:
        return EVIDENCE_PROBLEMS.empty()
    return EVIDENCE_PROBLEMS.conform([{"file": str(path), "check_id": check_id, "column": "", "value": "",
                                       "reason": f"{note}; check that names and amounts read as intended (save as "
                                                 "UTF-8 to be sure)", "outcome": "kept"}])


def _manifest_rows(path: Path) -> tuple[pd.DataFrame, list[str], frozenset[str], pd.DataFrame]:
    table = read_table(path)
    encoding = encoding_problem(table, path, "MAN_ENCODING")
    found, extra = match_columns(table, MANIFEST_COLUMNS, MANIFEST_ALIASES)
    absent = [c for c in REQUIRED_COLUMNS if c not in found]
    if "learn_ref_number" not in found and "uln" not in found:
        absent.append("learn_ref_number (or uln)")
    if absent:
        raise InputError(f"{path}: no column for {', '.join(absent)}; found columns "
                         f"{', '.join(c for c in table.columns if c != '_row') or '(none)'} "
                         f"(expected {', '.join(MANIFEST_COLUMNS)}; case, spaces and underscores do not matter)")
    rows = pd.DataFrame({c: table[found[c]] if c in found else "" for c in MANIFEST_COLUMNS}, index=table.index)
    taken = set(EVIDENCE.columns)
    kept = {(f"extra_{c}" if c in taken else c): table[c] for c in extra}
    rows = rows.assign(**kept, _row=table["_row"], _file=str(path), _origin="manifest", _source=str(path),
                       _document=table[found["file"]] if "file" in found else "")
    return rows.astype({c: "string" for c in rows.columns if c != "_row"}), list(kept), frozenset(found), encoding


def _folder_rows(scan: pd.DataFrame, folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows for the scanned files no manifest lists; files not laid out as expected are reported (DOC_BAD_PATH)."""
    rows = pd.DataFrame({c: "" for c in MANIFEST_COLUMNS}, index=scan.index).astype("string")
    for c in ("ukprn", "learn_ref_number", "evidence_type", "document_date"):
        rows[c] = scan[c].astype("string")
    rows = rows.assign(file=scan["relative"], _row=pd.NA, _file=scan["path"], _origin="folder", _source=str(folder),
                       _document=scan["path"], _path=scan["path"])
    bad = scan["_depth"] != 3
    problem = _problems(rows.assign(_drop=False), bad, "DOC_BAD_PATH", "file", scan["relative"],
                        "file " + scan["relative"] + " is not laid out as <ukprn>/<learn_ref_number>/"
                        "<evidence_type>[__<yyyy-mm-dd>][__<anything>].<ext> under the document folder", "dropped")
    return rows[~bad], problem


def _resolve_listed(rows: pd.DataFrame, scan: pd.DataFrame | None,
                    folder: Path | None) -> tuple[pd.Series, pd.Series]:
    """For each manifest row naming a file: where it is (resolved path), or NA when it is nowhere; and why a
    named file was refused (NA when it was not).

    Tried in order: relative to the manifest; relative to the document folder; the same
    ``<ukprn>/<learn_ref_number>/<name>`` ending as a scanned file. Only files inside the manifest's folder or
    the document folder are taken: an absolute name or one with ``..`` is refused without looking, and so is a
    symbolic link that leads out of the folder."""
    out = pd.Series(pd.NA, index=rows.index, dtype="string")
    refused = pd.Series(pd.NA, index=rows.index, dtype="string")
    listed = rows["file"].fillna("") != ""
    by_tail = {} if scan is None else {"/".join(r.split("/")[-3:]).lower(): p
                                         for r, p in zip(scan["relative"], scan["path"], strict=True)}
    for i, file, base in zip(rows.index[listed], rows.loc[listed, "file"], rows.loc[listed, "_source"], strict=True):
        unsafe = unsafe_name(file)
        if unsafe is not None:
            refused[i] = (f"listed file {file} {unsafe}; files are looked for only inside the manifest's folder "
                          "and the document folder: not opened, counted as not present")
            continue
        name = file.replace("\\", "/")
        roots = [Path(base).parent] + ([folder] if folder is not None else [])
        hit = None
        for root in roots:
            candidate = root / name
            try:
                if not candidate.is_file():
                    continue
                target = candidate.resolve()
            except (OSError, RuntimeError) as exc:  # a name too long for the file system, a link loop
                refused[i] = (f"listed file {file[:80]}{'...' if len(file) > 80 else ''} cannot be looked up "
                              f"({getattr(exc, 'strerror', None) or exc}): counted as not present")
                break
            if target.is_relative_to(root.resolve()):
                hit = target
                break
            refused[i] = (f"listed file {file} is a symbolic link out of the folder {root} (to {target}): not "
                          "opened, counted as not present")
        if hit is not None:
            out[i], refused[i] = str(hit), pd.NA
        elif pd.isna(refused[i]):
            out[i] = by_tail.get("/".join(name.split("/")[-3:]).lower(), pd.NA)
    return out, refused


def _unknown_type(text: str) -> str:
    if text == "":
        return "no evidence type given; expected one of: " + ", ".join(EVIDENCE_TYPES)
    close = difflib.get_close_matches(norm_type(pd.Series([text])).iloc[0], list(EVIDENCE_TYPES), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else "; expected one of: " + ", ".join(EVIDENCE_TYPES)
    return f"unknown evidence type {text!r}{hint}"


def _bad_date(text: str) -> str:
    return "document_date is empty" if text == "" else f"document_date {text!r} cannot be read as a date"


def _check_rows(rows: pd.DataFrame, prefix: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Type, dates and amount of every row: problems reported, bad optional values emptied, fatal rows marked.
    Messages are made for the bad rows only, once per distinct bad value (:func:`per_distinct`)."""
    etype = norm_type(rows["evidence_type"])
    bad_type = ~etype.isin(list(EVIDENCE_TYPES))
    doc_date, bad_doc = parse_dates(rows["document_date"])
    no_date = rows["document_date"].fillna("") == ""
    received, bad_received = parse_dates(rows["received_date"])
    amount, bad_amount = parse_amounts(rows["amount"])
    # folder files may leave the date out of their name: only manifest rows need one
    needs_date = (rows["_origin"] == "manifest") & no_date
    date_problem = ~bad_type & (bad_doc | needs_date)
    problems = _concat([
        _problems(rows, bad_type, f"{prefix}_UNKNOWN_TYPE", "evidence_type", rows["evidence_type"],
                  per_distinct(rows["evidence_type"], bad_type, _unknown_type), "dropped"),
        _problems(rows, date_problem, f"{prefix}_BAD_DATE", "document_date", rows["document_date"],
                  per_distinct(rows["document_date"], date_problem, _bad_date), "dropped"),
        _problems(rows, bad_received, f"{prefix}_BAD_DATE", "received_date", rows["received_date"],
                  "received_date " + per_distinct(rows["received_date"], bad_received, repr)
                  + " cannot be read as a date (left empty)", "kept"),
        _problems(rows, bad_amount, f"{prefix}_BAD_AMOUNT", "amount", rows["amount"],
                  "amount " + per_distinct(rows["amount"], bad_amount, repr) + " cannot be read as money (left empty)",
                  "kept"),
    ])
    drop = rows["_drop"] | bad_type | bad_doc | needs_date
    rows = rows.assign(evidence_type=etype.where(~bad_type, rows["evidence_type"]), document_date=doc_date,
                       received_date=received, amount=amount, _drop=drop)
    return rows, problems


def _attach_files(rows: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add each found file's facts; report missing, unreadable and encrypted files and hashes that differ."""
    prefix = rows["_prefix"]
    facts = _facts_frame(rows["_path"])
    named = rows["file"].fillna("") != ""
    why_refused = (rows["_refused"] if "_refused" in rows else pd.Series(pd.NA, index=rows.index)).astype("string")
    refused = named & why_refused.notna()
    missing = named & rows["_path"].isna()
    status = facts["file_status"].astype("string").where(~missing, "missing").where(named | rows["_path"].notna())
    code = facts["code"].astype("string").fillna(status.map({"unreadable": "UNREADABLE_PDF",
                                                             "encrypted": "ENCRYPTED_PDF"}).astype("string"))
    listed_hash = rows["sha256"].fillna("").str.strip().str.lower()
    computed = facts["sha256"].astype("string")
    differs = computed.notna() & (listed_hash != "") & (listed_hash != computed.fillna(""))
    shown = rows["file"].fillna("")
    error = facts["error"].astype("string").fillna("")
    problems = _concat([
        _problems(rows, missing & ~refused & (prefix == "MAN"), "MAN_MISSING_FILE", "file", shown,
                  "listed file " + shown + " does not exist", "kept"),
        _problems(rows, refused & (prefix == "MAN"), "MAN_OUTSIDE_PATH", "file", shown, why_refused, "kept"),
        *[_problems(rows, (code == kind).fillna(False).astype(bool) & (prefix == p), f"{p}_{kind}", "file", shown,
                    "file " + shown + ": " + error, "kept")
          for kind in ("UNREADABLE_PDF", "ENCRYPTED_PDF", "UNREADABLE_FILE") for p in ("MAN", "DOC")],
        _problems(rows, differs, "MAN_HASH_MISMATCH", "sha256", listed_hash,
                  "listed sha256 " + listed_hash.str.slice(0, 12) + "... is not the hash of file " + shown + " ("
                  + computed.fillna("").str.slice(0, 12) + "...); the file's hash is used", "kept"),
    ])
    out = rows.assign(
        path=rows["_path"], file_status=status,
        sha256=computed.where(computed.notna(), listed_hash.where(listed_hash != "")),
        **{c: facts[c] for c in _FACT_COLUMNS[1:] if c not in ("file_status", "error", "code")},
    )
    return out, problems


def read_evidence(manifest: str | Path | None = None, documents: str | Path | None = None, *,
                  learners: pd.DataFrame | None = None) -> EvidenceData:
    """Read a manifest (CSV or XLSX), a document folder, or both, into one evidence frame and its problems.

    ``learners`` (the ILR learners frame, e.g. ``read_ilr(...).learners``: ``ukprn``, ``learn_ref_number``,
    ``uln``) lets rows be checked against the ILR: a learner in no return is reported and dropped, an empty
    ``learn_ref_number`` is found from the ULN, an empty ULN filled in. Without it, learners are not checked.
    A manifest that lacks a required column raises :class:`InputError`; bad rows never do.
    """
    if manifest is None and documents is None:
        raise InputError("no evidence given: expected a manifest (CSV or XLSX), a document folder, or both")
    folder = None if documents is None else Path(documents)
    if folder is not None and not folder.is_dir():
        raise InputError(f"{folder}: not a folder of documents")
    scan, skipped = _scan(folder) if folder is not None else (None, EVIDENCE_PROBLEMS.empty())
    parts: list[pd.DataFrame] = []
    extras: list[str] = []
    problems = [skipped]
    listed: set[str] = set()
    columns: frozenset[str] | None = None
    if manifest is not None:
        path = Path(manifest)
        if not path.is_file():
            raise InputError(f"{path}: no such manifest file")
        rows, extras, columns, encoding = _manifest_rows(path)
        problems.append(encoding)
        where, refused = _resolve_listed(rows, scan, folder)
        rows = rows.assign(_path=where, _refused=refused)
        listed = set(rows["_path"].dropna())
        parts.append(_load(rows, "MAN", learners, problems))
    if scan is not None and folder is not None:
        rows, bad_paths = _folder_rows(scan[~scan["path"].isin(listed)], folder)
        problems.append(bad_paths)
        parts.append(_load(rows, "DOC", learners, problems))
    rows = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else parts[0]
    rows, file_problems = _attach_files(rows)
    problems.append(file_problems)
    return EvidenceData(_evidence_frame(rows, extras), _sorted_problems(_concat(problems)),
                        manifest=None if manifest is None else str(manifest), manifest_columns=columns,
                        documents=None if folder is None else str(folder))


def _load(rows: pd.DataFrame, prefix: str, learners: pd.DataFrame | None, problems: list[pd.DataFrame]) -> pd.DataFrame:
    """Check the rows of one origin (MAN: manifest, DOC: folder); their problems go to ``problems``; returns the
    rows that load."""
    rows = rows.assign(_drop=False, _prefix=prefix,
                       **{c: rows[c].astype("string").fillna("").str.strip()
                          for c in ("ukprn", "learn_ref_number", "uln", "evidence_type", "document_date")})
    rows, found = _check_rows(rows, prefix)
    rows, who = _identify(rows, learners, prefix)
    problems += [found, who]
    return rows[~rows["_drop"].astype(bool)]


def _evidence_frame(rows: pd.DataFrame, extras: list[str]) -> pd.DataFrame:
    origin = rows["_origin"].where(~((rows["_origin"] == "manifest") & rows["_path"].notna()), "both")
    frame = EVIDENCE.conform(rows.assign(stage=rows["evidence_type"].map(EVIDENCE_TYPES), origin=origin,
                                         source=rows["_source"], row=rows["_row"],
                                         uln=rows["uln"].replace("", pd.NA),
                                         **{c: rows[c].replace("", pd.NA) for c in ("employer", "reference", "notes")}))
    for name in extras:
        frame[name] = rows[name].astype("string").to_numpy()
    return frame


def _sorted_problems(problems: pd.DataFrame) -> pd.DataFrame:
    return problems.sort_values(["file", "row", "check_id", "column"], na_position="last",
                                kind="stable").reset_index(drop=True)


def read_manifest(path: str | Path, *, documents: str | Path | None = None,
                  learners: pd.DataFrame | None = None) -> EvidenceData:
    """Read a manifest (CSV or XLSX); see :func:`read_evidence`."""
    return read_evidence(path, documents, learners=learners)


def read_documents(folder: str | Path, *, learners: pd.DataFrame | None = None) -> EvidenceData:
    """Read a document folder; see :func:`read_evidence`."""
    return read_evidence(None, folder, learners=learners)
