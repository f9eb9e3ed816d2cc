"""Find the inputs of a case: ILR files (loose, in folders, in zips) and, by convention, the other files.

A *case folder* holds everything about one audit. By convention auditkit finds in it, at any depth:

- ILR files named ``ILR-*.xml``, also inside ``.zip`` files;
- ``contracts.toml``;
- an evidence manifest: ``*manifest*.csv`` or ``*manifest*.xlsx`` (not inside a ``documents`` folder);
- an evidence document folder: a folder named ``documents``;
- an employer register: ``*employer*.csv`` or ``*employer*.xlsx`` (not inside a ``documents`` folder).

The same conventions find the evidence and the register in a folder given as ``--evidence``.

Explicit options on the command line override what is found.
"""

from __future__ import annotations

import fnmatch
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from auditkit.errors import InputError

__all__ = ["CaseFiles", "ILRSource", "InputError", "find_case", "find_ilr_files", "require_ilr"]

ILR_PATTERN = "ilr-*.xml"
MANIFEST_PATTERNS = ["*manifest*.csv", "*manifest*.xlsx"]
EMPLOYER_PATTERNS = ["*employer*.csv", "*employer*.xlsx"]


@dataclass(frozen=True)
class ILRSource:
    """One ILR file: on disk, or a member of a zip."""

    path: Path
    member: str | None = None

    @property
    def name(self) -> str:
        return f"{self.path}::{self.member}" if self.member else str(self.path)

    @property
    def file_name(self) -> str:
        return Path(self.member).name if self.member else self.path.name

    @property
    def size(self) -> int:
        if self.member is None:
            return self.path.stat().st_size
        with zipfile.ZipFile(self.path) as zf:
            return zf.getinfo(self.member).file_size

    def open(self) -> BinaryIO:
        """Open for binary reading; the caller closes it."""
        if self.member is None:
            return open(self.path, "rb")  # noqa: SIM115
        zf = zipfile.ZipFile(self.path)
        stream = zf.open(self.member)
        stream._auditkit_zip = zf  # type: ignore[attr-defined]  # keep the archive open with the member
        return stream  # type: ignore[return-value]


def _is_ilr_name(name: str) -> bool:
    return fnmatch.fnmatch(Path(name).name.lower(), ILR_PATTERN)


def _zip_members(path: Path, explicit: bool) -> list[ILRSource]:
    try:
        with zipfile.ZipFile(path) as zf:
            names = sorted(n for n in zf.namelist() if not n.endswith("/"))
    except zipfile.BadZipFile as exc:
        raise InputError(f"{path}: not a readable zip file ({exc})") from exc
    members = [n for n in names if _is_ilr_name(n)]
    if explicit and not members:
        members = [n for n in names if n.lower().endswith(".xml")]
    return [ILRSource(path, m) for m in members]


def find_ilr_files(paths: Iterable[str | Path]) -> list[ILRSource]:
    """ILR sources under the given files, folders and zips, in a stable order.

    A file given by name is read whatever it is called; in folders only ``ILR-*.xml`` files (and those
    inside zips) are taken.
    """
    found: list[ILRSource] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                if not p.is_file():
                    continue
                if _is_ilr_name(p.name):
                    found.append(ILRSource(p))
                elif p.suffix.lower() == ".zip":
                    found.extend(_zip_members(p, explicit=False))
        elif path.suffix.lower() == ".zip":
            found.extend(_zip_members(path, explicit=True))
        else:
            found.append(ILRSource(path))
    return found


def require_ilr(paths: Iterable[str | Path], sources: list[ILRSource] | None = None) -> list[ILRSource]:
    """The ILR sources under ``paths``; :class:`InputError` naming the paths when there are none (an empty folder,
    a folder of evidence only, a zip without an ILR file), since an audit of nothing would find nothing."""
    paths = [Path(p) for p in paths]
    sources = find_ilr_files(paths) if sources is None else sources
    if sources:
        return sources
    if not paths:
        raise InputError("no ILR file given")
    what = []
    for path in paths:
        if path.is_dir():
            what.append(f"{path}: no ILR file found in this folder (looked for ILR-*.xml at any depth, also inside "
                        ".zip files)")
        elif path.suffix.lower() == ".zip":
            what.append(f"{path}: this zip holds no ILR file (no .xml member)")
        else:
            what.append(f"{path}: not an ILR file")
    raise InputError("; ".join(what))


@dataclass
class CaseFiles:
    """What was found for a case: ILR sources and the other inputs (None where absent)."""

    ilr: list[ILRSource] = field(default_factory=list)
    contracts: Path | None = None
    manifest: Path | None = None
    documents: Path | None = None
    employers: Path | None = None


def _first(folder: Path, patterns: list[str], *, outside_documents: bool = False) -> Path | None:
    """The first file (in path order) under ``folder`` whose name matches a pattern; ``outside_documents``: not
    inside a ``documents`` folder, ``folder`` itself included (a document named
    ``employer_contribution_invoice.csv`` is no register)."""
    def in_documents(p: Path) -> bool:
        return "documents" in (folder.name, *p.relative_to(folder).parts[:-1])  # as the convention names it

    hits = sorted(
        p for p in folder.rglob("*")
        if p.is_file() and any(fnmatch.fnmatch(p.name.lower(), pat) for pat in patterns)
        and not (outside_documents and in_documents(p))
    )
    return hits[0] if hits else None


def find_case(
    paths: Iterable[str | Path],
    *,
    contracts: str | Path | None = None,
    manifest: str | Path | None = None,
    documents: str | Path | None = None,
    employers: str | Path | None = None,
) -> CaseFiles:
    """Find a case's inputs under ``paths``; explicit arguments override the conventions."""
    paths = [Path(p) for p in paths]
    case = CaseFiles(ilr=find_ilr_files(paths))
    for folder in (p for p in paths if p.is_dir()):
        case.contracts = case.contracts or _first(folder, ["contracts.toml"])
        case.manifest = case.manifest or _first(folder, MANIFEST_PATTERNS, outside_documents=True)
        case.employers = case.employers or _first(folder, EMPLOYER_PATTERNS, outside_documents=True)
        if case.documents is None:
            docs = sorted(p for p in folder.rglob("documents") if p.is_dir())
            case.documents = docs[0] if docs else None
    for name, value in (("contracts", contracts), ("manifest", manifest), ("documents", documents),
                        ("employers", employers)):
        if value is not None:
            if not Path(value).exists():
                raise InputError(f"{value}: no such file or folder (given as --{name})")
            setattr(case, name, Path(value))
    return case
