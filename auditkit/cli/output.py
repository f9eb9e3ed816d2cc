"""Where a table command's output goes: the format chosen once, notes on stderr beside data, the file written."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click
import pandas as pd

from auditkit.cli.options import CaseError, width
from auditkit.errors import InputError
from auditkit.views.notes import notes_text
from auditkit.writers.tables import output_format, prepare_out, to_csv, to_json, write_xlsx

log = logging.getLogger("auditkit.privacy")


@dataclass(frozen=True)
class Output:
    """The output a command writes: ``fmt`` (table, csv, json or xlsx), to ``out`` or stdout."""

    fmt: str
    out: Path | None

    @classmethod
    def of(cls, fmt: str | None, out: Path | None) -> Output:
        """The output ``--format`` and ``--out`` (its extension) name; a contradiction ends the command (status 2)."""
        try:
            return cls(output_format(out, fmt), out)
        except InputError as exc:
            raise CaseError(str(exc)) from exc

    def notes(self, lines: list[str]) -> str:
        """Note lines: the head of the table (returned), or said on stderr beside CSV, JSON and XLSX."""
        if self.fmt == "table":
            return notes_text(lines, width())
        for line in lines:
            click.echo(line, err=True)
        return ""

    def aside(self, line: str | None) -> None:
        """A line said on stderr beside CSV, JSON and XLSX only (the table shows what it says)."""
        if line and self.fmt != "table":
            click.echo(line, err=True)

    def revealed(self, reveal: bool, what: str) -> None:
        """Say (and log) that personal data is shown unmasked, when ``reveal``."""
        if reveal:
            log.warning("personal data revealed on the command line (--reveal): %s", what)
            click.echo("Personal data is shown unmasked (--reveal).", err=True)

    def write(self, frame: pd.DataFrame, table: Callable[[], str], what: str, *, float_format: str | None = None,
              sheets: dict[str, pd.DataFrame] | None = None) -> None:
        """Write ``frame`` (CSV, JSON; ``sheets`` in a workbook) or the command's ``table`` text."""
        if self.out is not None:
            try:
                prepare_out(self.out)
            except InputError as exc:
                raise CaseError(str(exc)) from exc
        if self.fmt == "xlsx":
            assert self.out is not None
            write_xlsx(sheets or {what: frame}, self.out)
            click.echo(f"Wrote {len(frame)} {what} to {self.out} (XLSX workbook)", err=True)
            return
        if self.fmt == "csv":
            text = to_csv(frame, float_format=float_format)
        elif self.fmt == "json":
            text = to_json(frame)
        else:
            text = table()
        if self.out:
            self.out.write_text(text, encoding="utf-8")
            click.echo(f"Wrote {len(frame)} {what} to {self.out}", err=True)
        else:
            click.echo(text, nl=False)
