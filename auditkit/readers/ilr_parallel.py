"""Read ILR returns with several processes: one large return split at learner boundaries, or many returns at once.

The frames (and their order) are those of the single-process read: a part is parsed by the same
:class:`~auditkit.readers.ilr._FileReader` as a whole file, with the line numbers of the whole file, and the parts
are assembled in file order. Whenever a part would not read exactly as it does in the whole file (it is not
well-formed, its encoding is not UTF-8, it reports a once-per-file problem such as mixed namespaces, it holds a
DOCTYPE), the file is read again by one process, so a file is never read differently for being split.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, TypedDict

import numpy as np
from lxml import etree

from auditkit.errors import ILRFileError
from auditkit.frames.fields import key_array
from auditkit.readers import ilr
from auditkit.readers.discover import ILRSource

#: A single return at least this large is split into parts read at once; smaller ones are not worth a process.
SPLIT_MIN_BYTES = 16 << 20
#: Many returns are read one per process when they hold at least this many bytes together.
MANY_MIN_BYTES = 16 << 20
#: Environment variable giving the number of reading processes (1: read in this process).
WORKERS_ENV = "AUDITKIT_READ_WORKERS"
_BLOCK = 8 << 20
_WINDOW = 1 << 20
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']""")
_UTF8 = {b"utf-8", b"utf8", b"us-ascii", b"ascii"}


def workers_wanted(workers: int | None) -> int:
    """How many processes to read with: ``workers`` when given, else :data:`WORKERS_ENV`, else the CPUs this
    process may use (at most 4); 1 in a daemonic process (a Dask or multiprocessing worker), which may not start
    processes of its own."""
    if workers is None:
        env = os.environ.get(WORKERS_ENV, "").strip()
        if env:
            try:
                workers = int(env)
            except ValueError:
                raise ValueError(f"{WORKERS_ENV}={env!r}: expected a whole number of processes") from None
        else:
            cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
            workers = min(cpus, 4)
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    if multiprocessing.current_process().daemon:  # e.g. a Dask worker: it may not start processes of its own
        return 1
    return workers


def _context() -> Any:
    """Fork where it is safe (Linux, no other threads: no re-import, nothing pickled to start), else spawn."""
    if sys.platform == "linux" and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def pool(workers: int) -> Executor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=_context())


# -- one large return, in parts -------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Plan:
    """Where one file splits: part starts (bytes), newlines before each, the wrapper, and the file's SHA-256."""

    starts: list[int]  # the first learner part's start, then each later part's
    lines: list[int]  # newlines before each start
    size: int
    sha: str
    before: bytes  # the root start tag, on one line
    after: bytes  # the root end tag


def _plan(source: ILRSource, parts: int) -> _Plan | None:
    """Split points of a plain UTF-8 file at top-level learner (or destination) starts; None when it cannot be
    split safely (a zip member, another encoding, a DOCTYPE, no learner start found near a cut)."""
    if source.member is not None or source.error is not None:
        return None
    try:
        with open(source.path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            head = fh.read(_WINDOW)
            first = ilr._LEARNER_START.search(head)
            enc = _ENCODING.match(head)
            if (first is None or ilr._NO_PARSE.search(head[:4096]) or head[:2] in (b"\xff\xfe", b"\xfe\xff")
                    or (enc and enc.group(1).lower() not in _UTF8)):
                return None
            root = ilr._root_tag(head, first.start())
            if root is None:
                return None
            starts = [first.start()]
            for k in range(1, parts):
                at = max(size * k // parts, starts[-1] + 1)
                fh.seek(at)
                m = ilr._LEARNER_START.search(fh.read(_WINDOW))
                if m is None:
                    break
                if at + m.start() > starts[-1]:
                    starts.append(at + m.start())
            if len(starts) < 2:
                return None
            fh.seek(0)
            sha, lines, newlines, pos = hashlib.sha256(), [], 0, 0
            pending = list(starts)
            while block := fh.read(_BLOCK):
                sha.update(block)
                while pending and pending[0] < pos + len(block):
                    lines.append(newlines + block.count(b"\n", 0, pending.pop(0) - pos))
                newlines += block.count(b"\n")
                pos += len(block)
    except OSError:
        return None
    if pending or pos != size:
        return None  # the file changed under us: read it the ordinary way
    before = re.sub(rb"\s+", b" ", root[0])
    return _Plan(starts, lines, size, sha.hexdigest(), before, b"</" + root[1] + b">")


class _Range:
    """A file-like view of ``before`` + bytes ``begin:stop`` of a file + ``after``."""

    def __init__(self, path: Any, begin: int, stop: int, before: bytes = b"", after: bytes = b"") -> None:
        self.fh = open(path, "rb")  # noqa: SIM115  # closed by close()
        self.fh.seek(begin)
        self.left = stop - begin
        self.before, self.after = before, after

    def read(self, n: int = -1) -> bytes:
        if self.before:
            out, self.before = self.before, b""
            return out
        if self.left > 0:
            data = self.fh.read(self.left if n < 0 else min(n, self.left))
            self.left -= len(data)
            if data:
                return data
            self.left = 0
        out, self.after = self.after, b""
        return out

    def close(self) -> None:
        self.fh.close()


@dataclass(frozen=True)
class _State:
    """What the head of the file told: the parts are read as the rest of that file."""

    ukprn: int | None
    header: dict[str, Any]
    namespace: str | None
    ilr_year: str | None
    year: str | None


class Pieces(TypedDict, total=False):
    """What one process read, handed back to the reading process."""

    chunks: dict[str, list[dict[str, Any]]]  # frame -> typed chunks (column -> array)
    problems: list[dict[str, Any]]
    unknown: list[dict[str, Any]]
    source_files: list[dict[str, Any]]
    learners: int
    deliveries: int
    once: bool  # the part reported a once-per-file problem: the file is read by one process instead
    row: dict[str, Any]  # a whole file's row of the returns frame
    years: dict[str, str | None]
    error: ILRFileError  # a whole file refused


#: Called with the bytes read so far (a progress bar's update).
OnRead = Callable[[int], object] | None


def _pieces(out: ilr._Collector, reader: ilr._FileReader | None) -> Pieces:
    """What a process read, to hand back: its typed chunks (not joined: the reading process joins every part's
    chunks once), problems, unknown elements, counts."""
    out.flush(at_least=1)
    return {
        "chunks": out.chunks, "problems": out.problems, "unknown": out.unknown, "source_files": out.source_files,
        "learners": reader.learners if reader else 0, "deliveries": reader.deliveries if reader else 0,
        "once": bool(reader.once) if reader else False,
    }


def _read_part(source: ILRSource, rid: str, begin: int, stop: int, before: bytes, after: bytes, lines: int,
               state: _State) -> Pieces | None:
    """Read one part of a file in this process; None when it does not read as it would in the whole file."""
    out = ilr._Collector()
    out.files[rid] = source.name
    out.years[rid] = state.year
    reader = ilr._FileReader(source, rid, out, line_offset=lines)
    reader.ukprn, reader.header, reader.namespace = state.ukprn, state.header, state.namespace
    reader.decided, reader.ilr_year, reader.year = True, state.ilr_year, state.year
    stream = _Range(source.path, begin, stop, before, after)
    try:
        with ilr._gc_paused():
            ilr._stream(reader, stream)
            pieces = _pieces(out, reader)
    except (etree.XMLSyntaxError, ILRFileError):
        return None
    finally:
        stream.close()
    return None if pieces["once"] else pieces


def _read_split(executor: Executor, source: ILRSource, rid: str, out: ilr._Collector, parts: int,
               on_read: OnRead = None) -> dict[str, Any] | None:
    """Read one large file in ``parts`` parts at once into ``out``; its row of the returns frame, or None (nothing
    added to ``out``) when the file is to be read by one process instead."""
    plan = _plan(source, parts)
    if plan is None:
        return None
    head_out = ilr._Collector()
    head_out.files[rid] = source.name
    head = ilr._FileReader(source, rid, head_out)
    stream = _Range(source.path, 0, plan.starts[0], after=plan.after)
    try:
        ilr._stream(head, stream)
        head.decide_year()
    except (etree.XMLSyntaxError, ILRFileError):
        return None
    finally:
        stream.close()
    if head.once:
        return None
    state = _State(head.ukprn, head.header, head.namespace, head.ilr_year, head.year)
    bounds = [*plan.starts, plan.size]
    futures = [executor.submit(_read_part, source, rid, b, e, plan.before, b"" if e == plan.size else plan.after,
                               n, state)
               for b, e, n in zip(bounds, bounds[1:], plan.lines, strict=False)]
    results = [r for f in futures if (r := f.result()) is not None]
    if len(results) < len(futures):
        return None
    out.files[rid] = source.name
    out.years[rid] = head.year
    _add(out, _pieces(head_out, None))
    for r, b, e in zip(results, bounds, bounds[1:], strict=False):
        _add(out, r)
        head.learners += r["learners"]
        head.deliveries += r["deliveries"]
        if on_read:
            on_read(e - b)
    head.out = out
    if on_read:
        on_read(plan.starts[0])
    return ilr._return_row(source, head, plan.sha, plan.size, 0)


def _add(out: ilr._Collector, pieces: Pieces, rid: str | None = None) -> None:
    """Append what one process read to ``out``, after what ``out`` has (as ``rid`` when given)."""
    out.flush(at_least=1)
    for name, chunks in pieces["chunks"].items():
        for chunk in chunks:
            if rid is not None:
                chunk["return_id"] = key_array(np.full(len(chunk["return_id"]), rid, dtype=object), "str")
            out.chunks[name].append(chunk)
    for key in ("problems", "unknown", "source_files"):
        rows = pieces[key]
        if rid is not None:
            rows = [r | {"return_id": rid} if r.get("return_id") is not None else r for r in rows]
        getattr(out, key).extend(rows)


# -- many returns, one per process ----------------------------------------------------------------------------

def _read_one(source: ILRSource, rid: str) -> Pieces:
    """Read one whole file in this process, as the single-process reader would."""
    out = ilr._Collector()
    try:
        with ilr._gc_paused():
            row = ilr._read_file(source, rid, out)
    except ILRFileError as exc:
        return {"error": exc}
    return _pieces(out, None) | {"row": row, "years": out.years}


def _read_many(executor: Executor, sources: list[ILRSource]) -> Iterator[tuple[ILRSource, Pieces]]:
    """Each source read by a process of ``executor`` (under a provisional return id), in order."""
    futures = [executor.submit(_read_one, s, f"~{i}") for i, s in enumerate(sources)]
    for source, future in zip(sources, futures, strict=True):
        yield source, future.result()


def _add_one(out: ilr._Collector, pieces: Pieces, rid: str) -> dict[str, Any]:
    """Append a file read by :func:`_read_many` to ``out`` as return ``rid``; its row of the returns frame."""
    out.files[rid] = pieces["row"]["path"]
    out.years[rid] = next(iter(pieces["years"].values()), None)
    _add(out, pieces, rid)
    return pieces["row"] | {"return_id": rid}
