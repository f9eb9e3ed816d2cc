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
import os
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from auditkit.errors import ILRFileError, InputError
from auditkit.readers.limits import ENV, Limits, size_text
from auditkit.readers.paths import Skipped, walk

__all__ = ["CaseFiles", "ILRSource", "InputError", "find_case", "find_ilr_files", "require_ilr"]

ILR_PATTERN = "ilr-*.xml"
MANIFEST_PATTERNS = ["*manifest*.csv", "*manifest*.xlsx"]
EMPLOYER_PATTERNS = ["*employer*.csv", "*employer*.xlsx"]
#: What a damaged zip member raises while it is read (bad CRC, bad deflate data, cut short, unknown method).
ZIP_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError,
                   ValueError)


def _file_error(message: str) -> InputError:
    """The error for one ILR source that cannot be read: an :class:`~auditkit.errors.ILRFileError`, so that
    ``read_ilr(errors="report")`` (``--skip-bad-files``) reports the file and reads the others."""
    return ILRFileError(message)


def _os_reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


@dataclass(frozen=True)
class ILRSource:
    """One ILR file: on disk, or a member of a zip; ``error``: why it cannot be read (found but refused: a
    damaged zip, a symbolic link out of the folder, a member over a limit), raised when it is opened."""

    path: Path
    member: str | None = None
    error: str | None = None

    @property
    def name(self) -> str:
        return f"{self.path}::{self.member}" if self.member else str(self.path)

    @property
    def file_name(self) -> str:
        return Path(self.member).name if self.member else self.path.name

    @property
    def size(self) -> int:
        """Size in bytes (expanded, for a zip member, as its header says); 0 when it cannot be read."""
        try:
            if self.error is not None:
                return 0
            if self.member is None:
                return self.path.stat().st_size
            with zipfile.ZipFile(self.path) as zf:
                return zf.getinfo(self.member).file_size
        except (OSError, KeyError, zipfile.BadZipFile):
            return 0

    def open(self, limits: Limits | None = None) -> BinaryIO:
        """Open for binary reading; the caller closes it. A file that cannot be read, and a zip member over a
        limit of :mod:`auditkit.readers.limits` (checked on its header, then on the bytes read), raise the ILR
        reader's ``ILRFileError`` (an :class:`InputError`) saying why."""
        if self.error is not None:
            raise _file_error(self.error)
        if self.member is None:
            try:
                return open(self.path, "rb")  # noqa: SIM115
            except OSError as exc:
                raise _file_error(f"cannot be read ({_os_reason(exc)})") from None
        limits = limits or Limits.current()
        try:
            zf = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise _file_error(f"the zip {self.path} is not readable ({exc})") from None
        try:
            info = zf.getinfo(self.member)
            problem = member_problem(info, limits)
            if problem is not None:
                raise _file_error(problem)
            stream = zf.open(info)
        except KeyError:
            zf.close()
            raise _file_error(f"no member {self.member!r} in the zip") from None
        except ZIP_READ_ERRORS as exc:
            zf.close()
            raise _file_error(f"the zip member cannot be read ({exc})") from None
        except BaseException:
            zf.close()
            raise
        return _MemberStream(zf, stream, info, limits)  # type: ignore[return-value]


class _MemberStream:
    """A zip member being read: counts what it expands to (refused over the limits whatever its header said)
    and turns a damaged member's errors into the ILR reader's ``ILRFileError``."""

    CHUNK = 1 << 20

    def __init__(self, zf: zipfile.ZipFile, stream: Any, info: zipfile.ZipInfo, limits: Limits) -> None:
        self.zf, self.stream, self.info, self.limits = zf, stream, info, limits
        self.expanded = 0

    def read(self, n: int | None = -1) -> bytes:
        if n is None or n < 0:
            return b"".join(iter(lambda: self.read(self.CHUNK), b""))
        try:
            data = self.stream.read(n)
        except ZIP_READ_ERRORS as exc:
            raise _file_error(f"the zip member is damaged ({exc}); not read") from None
        self.expanded += len(data)
        problem = expansion_problem(self.expanded, self.info.compress_size, self.limits, while_reading=True)
        if problem is not None:
            raise _file_error(problem)
        return data

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        try:
            self.stream.close()
        finally:
            self.zf.close()

    def __enter__(self) -> _MemberStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def expansion_problem(expanded: int, compressed: int, limits: Limits, *, while_reading: bool = False,
                      what: str = "member", size_limit: int | None = None, size_env: str | None = None) -> str | None:
    """Why ``expanded`` bytes (from ``compressed``) are over a limit, or None."""
    verb = "expands to more than" if while_reading else "expands to"
    limit = limits.member_bytes if size_limit is None else size_limit
    env = size_env or ENV["member_bytes"]
    if expanded > limit:
        return (f"the {what} {verb} {size_text(expanded)}, over the limit of {size_text(limit)} (set {env} to "
                "change it); refused, not read")
    if expanded > limits.ratio_floor and expanded > limits.ratio * max(compressed, 1):
        return (f"the {what} {verb} {size_text(expanded)} from {size_text(compressed)} compressed "
                f"({expanded / max(compressed, 1):,.0f} times), over the limit of {limits.ratio:g} times (set "
                f"{ENV['ratio']} to change it): a zip bomb, or not an ILR file; refused, not read")
    return None


def member_problem(info: zipfile.ZipInfo, limits: Limits) -> str | None:
    """Why a zip member may not be read, from its header: encrypted, or expanding over a limit."""
    if info.flag_bits & 0x1:
        return "the zip member is encrypted (it needs a password); auditkit reads only unencrypted zips"
    return expansion_problem(info.file_size, info.compress_size, limits)


def _is_ilr_name(name: str) -> bool:
    return fnmatch.fnmatch(Path(name).name.lower(), ILR_PATTERN)


def _zip_members(path: Path, explicit: bool, limits: Limits | None = None) -> list[ILRSource]:
    """The ILR members of a zip (a member over a limit or encrypted has an ``error``); a zip that cannot be read,
    or whose other ILR members expand (as its headers say) over :attr:`Limits.archive_bytes`, is one source
    whose ``error`` says why."""
    limits = limits or Limits.current()
    try:
        with zipfile.ZipFile(path) as zf:
            infos = sorted((i for i in zf.infolist() if not i.is_dir()), key=lambda i: i.filename)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        reason = _os_reason(exc) if isinstance(exc, OSError) and not isinstance(exc, zipfile.BadZipFile) else exc
        return [ILRSource(path, error=f"not a readable zip file ({reason})")]
    members = [i for i in infos if _is_ilr_name(i.filename)]
    if explicit and not members:
        members = [i for i in infos if i.filename.lower().endswith(".xml")]
    sources = [ILRSource(path, i.filename, member_problem(i, limits)) for i in members]
    total = sum(i.file_size for i, s in zip(members, sources, strict=True) if s.error is None)  # what would be read
    if total > limits.archive_bytes:
        return [ILRSource(path, error=f"the ILR files of this zip expand to {size_text(total)}, over the limit of "
                          f"{size_text(limits.archive_bytes)} (set {ENV['archive_bytes']} to change it); refused, "
                          "not read")]
    return sources


def _link_source(skipped: Skipped) -> ILRSource | None:
    """A source for a link not followed that would have been read (named ``ILR-*.xml`` or ``*.zip``)."""
    name = skipped.path.name
    if _is_ilr_name(name) or name.lower().endswith(".zip"):
        return ILRSource(skipped.path, error=skipped.reason)
    return None


def find_ilr_files(paths: Iterable[str | Path], *, limits: Limits | None = None) -> list[ILRSource]:
    """ILR sources under the given files, folders and zips, in a stable order.

    A file given by name is read whatever it is called; in folders only ``ILR-*.xml`` files (and those
    inside zips) are taken. A path that does not exist raises :class:`InputError`. What is found but cannot be
    read (a damaged zip, a symbolic link out of the folder, broken or looping, a zip over a limit) is a source
    whose ``error`` says why: reading it raises, so ``read_ilr(errors="report")`` reports it and reads the rest.
    """
    limits = limits or Limits.current()
    found: list[ILRSource] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
        if path.is_dir():
            files, skipped = walk(path)
            refused = [r for r in map(_link_source, skipped) if r is not None]
            entries: list[tuple[Path, ILRSource | None]] = [(p, None) for p in files] + [(r.path, r) for r in refused]
            for p, source in sorted(entries, key=lambda e: e[0]):
                if source is not None:
                    found.append(source)
                elif _is_ilr_name(p.name):
                    found.append(ILRSource(p))
                elif p.suffix.lower() == ".zip":
                    found.extend(_zip_members(p, explicit=False, limits=limits))
        elif path.suffix.lower() == ".zip":
            found.extend(_zip_members(path, explicit=True, limits=limits))
        else:
            found.append(ILRSource(path))
    return found


def require_ilr(paths: Iterable[str | Path], sources: list[ILRSource] | None = None) -> list[ILRSource]:
    """The ILR sources under ``paths``; :class:`InputError` naming the paths when there are none (an empty folder,
    a folder of evidence only, a zip without an ILR file), since an audit of nothing would find nothing."""
    given = [Path(p) for p in paths]
    sources = find_ilr_files(given) if sources is None else sources
    if sources:
        return sources
    if not given:
        raise InputError("no ILR file given")
    what = []
    for path in given:
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
    #: Symbolic links in the case folders that were not followed (out of the folder, broken, looping).
    skipped: list[Skipped] = field(default_factory=list)


def _first(folder: Path, patterns: list[str], *, outside_documents: bool = False) -> Path | None:
    """The first file (in path order) under ``folder`` whose name matches a pattern; ``outside_documents``: not
    inside a ``documents`` folder, ``folder`` itself included (a document named
    ``employer_contribution_invoice.csv`` is no register)."""
    def in_documents(p: Path) -> bool:
        return "documents" in (folder.name, *p.relative_to(folder).parts[:-1])  # as the convention names it

    hits = sorted(
        p for p in walk(folder)[0]
        if any(fnmatch.fnmatch(p.name.lower(), pat) for pat in patterns) and not (outside_documents and in_documents(p))
    )
    return hits[0] if hits else None


def _folders_named(folder: Path, name: str) -> list[Path]:
    """Folders called ``name`` under ``folder`` (itself not included), in path order, reached without following
    a symbolic link."""
    hits = []
    for top, dirs, _ in os.walk(folder, followlinks=False):
        hits += [Path(top, d) for d in dirs if d == name and not Path(top, d).is_symlink()]
    return sorted(hits)


def find_case(
    paths: Iterable[str | Path],
    *,
    contracts: str | Path | None = None,
    manifest: str | Path | None = None,
    documents: str | Path | None = None,
    employers: str | Path | None = None,
) -> CaseFiles:
    """Find a case's inputs under ``paths``; explicit arguments override the conventions."""
    given = [Path(p) for p in paths]
    case = CaseFiles(ilr=find_ilr_files(given))
    for folder in (p for p in given if p.is_dir()):
        case.skipped += walk(folder)[1]
        case.contracts = case.contracts or _first(folder, ["contracts.toml"])
        case.manifest = case.manifest or _first(folder, MANIFEST_PATTERNS, outside_documents=True)
        case.employers = case.employers or _first(folder, EMPLOYER_PATTERNS, outside_documents=True)
        if case.documents is None:
            docs = _folders_named(folder, "documents")
            case.documents = docs[0] if docs else None
    for name, value in (("contracts", contracts), ("manifest", manifest), ("documents", documents),
                        ("employers", employers)):
        if value is not None:
            if not Path(value).exists():
                raise InputError(f"{value}: no such file or folder (given as --{name})")
            setattr(case, name, Path(value))
    return case
