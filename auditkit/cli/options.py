"""The options the table commands share, and how a command ends on an input it cannot use."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from auditkit.case import Case, open_case
from auditkit.errors import InputError

PATHS = click.Path(path_type=Path)
EXISTING = click.Path(exists=True, path_type=Path)
SEVERITY_CHOICE = click.Choice(["no-pay", "error", "warning"])


def _compose(*decorators: Callable[[Callable], Callable]) -> Callable[[Callable], Callable]:
    def apply(func: Callable) -> Callable:
        for decorator in reversed(decorators):
            func = decorator(func)
        return func

    return apply


def _no_cache(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    ctx.meta["auditkit.no_cache"] = value


#: ``--no-cache``: read every ILR file from its XML (kept in the click context: see :func:`use_cache`).
no_cache_option = click.option(
    "--no-cache", is_flag=True, expose_value=False, callback=_no_cache,
    help="Parse every ILR file, neither reading nor writing the Parquet cache in the case folder "
    "(<case>/.auditkit/cache; see docs/parquet.md).")


def use_cache() -> bool:
    """False when the command was given ``--no-cache``."""
    ctx = click.get_current_context(silent=True)
    return not (ctx is not None and ctx.meta.get("auditkit.no_cache", False))


#: The inputs of a case, shared by the table commands.
case_inputs = _compose(
    no_cache_option,
    click.argument("paths", nargs=-1, required=True, type=PATHS),
    click.option("--contracts", type=EXISTING, help="Contracts file (default: contracts.toml found in the case "
                 "folder)."),
    click.option("--evidence", type=EXISTING, help="Evidence: a manifest (CSV or XLSX), or a folder holding a "
                 "manifest, documents and an employer register (default: found in the case folder)."),
    click.option("--employers", type=EXISTING, help="Employer register CSV/XLSX (default: *employer*.csv/xlsx "
                 "found in the case folder)."),
    click.option("--return", "return_files", multiple=True, metavar="FILE",
                 help="Audit this return as the latest of its provider and year (a file name, path or return id; "
                 "repeatable). Later returns of that provider and year are left out."),
    click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="YYYY-MM-DD",
                 help="Only returns prepared on or before this date: the case as it stood that day."),
)
#: How a table command writes its output, shared by the table commands.
output_options = _compose(
    click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "xlsx"]), default=None,
                 help="Output format (default: from the --out extension .txt/.csv/.json/.xlsx, else table)."),
    click.option("--out", type=PATHS, help="Write the output to this file (its extension names the format)."),
    click.option("--reveal", is_flag=True, help="Show personal data unmasked (a deliberate act, logged)."),
)


class CaseError(click.ClickException):
    """An input or output auditkit cannot use: the message names it; exit status 2."""

    exit_code = 2


@contextmanager
def input_errors() -> Iterator[None]:
    """End the command with status 2 and the message when an input (or the output asked for) cannot be used."""
    try:
        yield
    except InputError as exc:
        raise CaseError(str(exc)) from exc


def width() -> int:
    """The terminal's width (COLUMNS, else the terminal, else 100), at least 60."""
    return max(60, shutil.get_terminal_size((100, 24)).columns)


def open_from_options(paths: tuple[Path, ...], contracts: Path | None, evidence: Path | None,
                      employers: Path | None, return_files: tuple[str, ...], as_of: dt.datetime | None, *,
                      postcodes: Path | None = None, rules: list[str] | None = None,
                      all_returns: bool = False) -> Case:
    """The case the :data:`case_inputs` options name (call it inside :func:`input_errors`)."""
    return open_case(paths, contracts, evidence, employers, returns=return_files,
                     as_of=as_of.date() if as_of else None, postcodes=postcodes, rules=rules, all_returns=all_returns,
                     cache=use_cache())
