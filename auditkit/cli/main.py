"""The ``auditkit`` command line: a thin click layer over the library."""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import click
import pandas as pd

from auditkit.case.check import CheckResult, check_case, fails, filter_severity, provider_names, summary_by_provider
from auditkit.facts.scope import choose_returns, problem_lines, read_problem_returns, scope_warnings
from auditkit.privacy import mask_frame
from auditkit.readers.discover import InputError, find_case, require_ilr
from auditkit.readers.ilr import ILRData, read_ilr
from auditkit.views.summaries import returns_overview
from auditkit.writers.tables import output_format, prepare_out, to_csv, to_json, write_xlsx

PATHS = click.Path(path_type=Path)
EXISTING = click.Path(exists=True, path_type=Path)
log = logging.getLogger("auditkit.privacy")


def _compose(*decorators: Callable[[Callable], Callable]) -> Callable[[Callable], Callable]:
    def apply(func: Callable) -> Callable:
        for decorator in reversed(decorators):
            func = decorator(func)
        return func

    return apply


#: The inputs of a case, shared by the table commands.
case_inputs = _compose(
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


def _fail(exc: Exception) -> click.ClickException:
    return CaseError(str(exc))


def _width() -> int:
    """The terminal's width (COLUMNS, else the terminal, else 100), at least 60."""
    return max(60, shutil.get_terminal_size((100, 24)).columns)


def _note(lines: list[str], fmt: str) -> str:
    """Summary lines: part of the table, or said on stderr beside CSV, JSON and XLSX."""
    if not lines:
        return ""
    if fmt != "table":
        for line in lines:
            click.echo(line, err=True)
        return ""
    wrapped = [part for line in lines for part in (
        textwrap.wrap(line, width=_width(), subsequent_indent="    ", break_long_words=False, break_on_hyphens=False)
        or [""])]
    return "\n".join(wrapped) + "\n\n"


def _output(frame: pd.DataFrame, fmt: str | None, out: Path | None, table: Callable[[], str], what: str, *,
            float_format: str | None = None, sheets: dict[str, pd.DataFrame] | None = None) -> None:
    """Write ``frame`` (or the command's table) in the format the options and ``out``'s extension name."""
    try:
        chosen = output_format(out, fmt)
        if out is not None:
            prepare_out(out)
    except InputError as exc:
        raise _fail(exc) from exc
    if chosen == "xlsx":
        assert out is not None
        write_xlsx(sheets or {what: frame}, out)
        click.echo(f"Wrote {len(frame)} {what} to {out} (XLSX workbook)", err=True)
        return
    if chosen == "csv":
        text = to_csv(frame, float_format=float_format)
    elif chosen == "json":
        text = to_json(frame)
    else:
        text = table()
    if out:
        out.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {len(frame)} {what} to {out}", err=True)
    else:
        click.echo(text, nl=False)


def _say_revealed(reveal: bool, what: str) -> None:
    if reveal:
        log.warning("personal data revealed on the command line (--reveal): %s", what)
        click.echo("Personal data is shown unmasked (--reveal).", err=True)


def _check_rule_ids(rule_ids: tuple[str, ...]) -> None:
    from auditkit.rules import get_rules

    try:
        get_rules(list(rule_ids) or None)
    except ValueError as exc:
        raise _fail(exc) from exc


def _open(paths: tuple[Path, ...], contracts: Path | None, evidence: Path | None, employers: Path | None,
          return_files: tuple[str, ...], as_of: dt.datetime | None, **options: object) -> CheckResult:
    """Read and check the case the options name; input errors end the command with status 2."""
    try:
        return check_case(paths, contracts=contracts, evidence=evidence, employers=employers,
                          returns=return_files, as_of=as_of.date() if as_of else None, **options)  # type: ignore[arg-type]
    except InputError as exc:
        raise _fail(exc) from exc


def _wrap(text: str, width: int, indent: int) -> list[str]:
    pad = " " * indent
    return textwrap.wrap(text, width=width, initial_indent=pad, subsequent_indent=pad, break_long_words=False,
                         break_on_hyphens=False) or [pad]


def _blocks(rows: pd.DataFrame, head: list[str], body: str, width: int, *, label: str = "") -> list[str]:
    """Rows as an aligned line of ``head`` columns, each followed by its ``body`` text wrapped to ``width``.
    Head values too long for the line to fit ``width`` move, whole, to the wrapped text (never cut)."""
    table = rows[head].astype(object).where(rows[head].notna(), "").astype(str)
    widths = {c: max([len(c), *table[c].str.len()]) for c in head}
    floor = {c: max(len(c), len("(below)")) for c in head}
    while 2 + sum(widths.values()) + 2 * (len(head) - 1) > width:
        widest = max((c for c in head if widths[c] > floor[c]), key=lambda c: widths[c], default=None)
        if widest is None:
            break
        widths[widest] -= 1
    moved = {c: table[c].str.len() > widths[c] for c in head}
    shown = table.copy()
    for c in head:
        shown.loc[moved[c], c] = "(below)"
    widths = {c: max([len(c), *shown[c].str.len()]) for c in head}
    lines = ["  " + "  ".join(c.ljust(widths[c]) for c in head).rstrip()]
    for i in range(len(rows)):
        lines.append("  " + "  ".join(shown.iloc[i][c].ljust(widths[c]) for c in head).rstrip())
        extra = [f"{c}: {table.iloc[i][c]}" for c in head if moved[c].iloc[i]]
        text = str(rows.iloc[i][body]) if pd.notna(rows.iloc[i][body]) else ""
        for part in [*extra, (label + text) if text else ""]:
            if part:
                lines += _wrap(part, width, 6)
    return lines


@click.group()
@click.version_option(package_name="auditkit")
def main() -> None:
    """auditkit: audit Skills Bootcamp funding claims from ILR returns and evidence."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=PATHS)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--skip-bad-files", is_flag=True, help="Report files that are not ILRs as problems and read the rest.")
@click.option("--problems", "show_problems", default=20, show_default=True,
              help="How many problems to list (0 for none).")
def load(paths: tuple[Path, ...], fmt: str, skip_bad_files: bool, show_problems: int) -> None:
    """Read ILR files, folders or zips and say what was read.

    Example: auditkit load samples
    """
    try:
        case = find_case(paths)
        require_ilr(paths, case.ilr)
        data = read_ilr(paths, errors="report" if skip_bad_files else "raise")
    except InputError as exc:
        raise _fail(exc) from exc
    summary = data.summary()
    if fmt == "json":
        summary["case"] = {k: str(v) if v else None for k, v in vars(case).items() if k != "ilr"}
        summary["returns_detail"] = json.loads(returns_overview(data).to_json(orient="records", date_format="iso"))
        summary["read_problems"] = json.loads(read_problem_returns(data).to_json(orient="records"))
        summary["warnings"] = scope_warnings(data)
        click.echo(json.dumps(summary, indent=2, default=str))
        return
    _print_load(data, summary, case, show_problems)


def _print_load(data: ILRData, summary: dict, case: object, show_problems: int) -> None:
    click.echo(
        f"Read {summary['returns']} returns from {summary['providers']} providers; "
        f"years {', '.join(summary['years']) or '-'}; periods {', '.join(summary['periods']) or '-'}."
    )
    click.echo(f"  learners {summary['learners']}, aims {summary['deliveries']}, "
               f"destination records {summary['destinations']}, problems {summary['problems']}")
    for label in ("contracts", "manifest", "documents", "employers"):
        value = getattr(case, label)
        if value:
            click.echo(f"  {label}: {value}")
    for skipped in getattr(case, "skipped", []):
        click.echo(f"  not used: {skipped.path} {skipped.reason}")
    click.echo("")
    overview = returns_overview(data)
    overview["file_preparation_date"] = overview["file_preparation_date"].dt.strftime("%Y-%m-%d")
    click.echo(overview.rename(columns={"learner_count": "learners", "delivery_count": "aims",
                                        "problem_count": "problems", "file_preparation_date": "prepared"})
               .to_string(index=False))
    for line in scope_warnings(data):
        click.echo("")
        click.echo("\n".join(textwrap.wrap(f"Warning: {line}", width=_width())))
    if show_problems and len(data.problems):
        click.echo("")
        click.echo(f"Problems (first {min(show_problems, len(data.problems))} of {len(data.problems)}):")
        masked = data.masked().problems.head(show_problems)
        for p in masked.itertuples(index=False):
            where = f"{p.file}:{p.line}" if not pd.isna(p.line) else str(p.file)
            who = f" learner {p.learn_ref_number}" if not pd.isna(p.learn_ref_number) else ""
            click.echo("\n".join(_wrap(f"{p.severity}: {where}{who}: {p.message}", _width(), 2)))


SEVERITY_CHOICE = click.Choice(["no-pay", "error", "warning"])
#: What ``check`` says of evidence findings, beside the milestones' own line.
CHECK_EVIDENCE_NOTE = ("Evidence findings (EV_*) do not change what the ILR earns; `auditkit milestones` shows the "
                       "earned pounds they put at risk ('at risk (evidence)').")


@main.command()
@case_inputs
@click.option("--postcodes", type=EXISTING, help="ONS postcode directory CSV, for exact WMCA residency checks.")
@click.option("--severity", type=SEVERITY_CHOICE, help="Only findings at least this severe.")
@click.option("--rule", "rule_ids", multiple=True, help="Only these rule ids (repeatable).")
@click.option("--all-returns", is_flag=True, help="Check every snapshot, not only the latest return of each "
              "provider and year.")
@click.option("--fail-on", type=SEVERITY_CHOICE, help="Exit with status 1 when findings this severe exist.")
@output_options
def check(paths: tuple[Path, ...], contracts: Path | None, evidence: Path | None, employers: Path | None,
          return_files: tuple[str, ...], as_of: dt.datetime | None, postcodes: Path | None, severity: str | None,
          rule_ids: tuple[str, ...], all_returns: bool, fail_on: str | None, fmt: str | None, out: Path | None,
          reveal: bool) -> None:
    """Check ILR returns (and evidence, when found) against the WMCA Wave 5 rules and list the findings.

    Example: auditkit check samples --severity no-pay
    """
    _check_rule_ids(rule_ids)
    result = _open(paths, contracts, evidence, employers, return_files, as_of, postcodes=postcodes,
                   rules=list(rule_ids) or None, all_returns=all_returns)
    _say_revealed(reveal, "findings")
    shown = result.revealed_findings("--reveal") if reveal else result.findings
    findings = filter_severity(shown, severity)
    chosen = output_format(out, fmt) if _format_ok(out, fmt) else "table"
    notes = _note(_case_notes(result, evidence_line=CHECK_EVIDENCE_NOTE), chosen)
    if chosen != "table" and result.evidence is not None and len(result.evidence.problems):
        click.echo(f"{len(result.evidence.problems)} evidence problems (rows not read as expected); "
                   "--format table lists them.", err=True)
    summary = summary_by_provider(findings, result.contracts, providers=result.context.returns["ukprn"])
    _output(findings, fmt, out, lambda: notes + _findings_table(findings, summary, result)
            + _evidence_problems_text(result), "findings",
            sheets={"findings": findings, "summary": summary, **_evidence_sheet(result)})
    if fail_on and fails(result.raw_findings, fail_on):
        raise SystemExit(1)


def _format_ok(out: Path | None, fmt: str | None) -> bool:
    try:
        output_format(out, fmt)
    except InputError:
        return False
    return True


def _case_notes(result: CheckResult, evidence_line: str | None = None) -> list[str]:
    """The returns read with problems, warnings about the returns used, and how evidence findings count."""
    lines = problem_lines(result.loaded or result.data, result.data)
    skipped = result.case.skipped
    if skipped:
        lines.append(f"{len(skipped)} path{'s' if len(skipped) != 1 else ''} in the case folder not used:")
        lines += [f"  {s.path} {s.reason}" for s in skipped[:10]]
        if len(skipped) > 10:
            lines.append(f"  ... and {len(skipped) - 10} more")
    if evidence_line and result.evidence is not None:
        lines.append(evidence_line)
    return lines


def _evidence_sheet(result: CheckResult) -> dict[str, pd.DataFrame]:
    if result.evidence is None or not len(result.evidence.problems):
        return {}
    return {"evidence problems": mask_frame(result.evidence.problems)}


def _evidence_problems_text(result: CheckResult) -> str:
    """The evidence problems (bad manifest, register and folder rows) after the findings table."""
    if result.evidence is None:
        return ""
    problems = mask_frame(result.evidence.problems)
    head = (f"Evidence: {len(result.evidence.evidence)} documents read; {len(problems)} problems"
            + (" (file, row, reason):" if len(problems) else "."))
    lines = ["", head]
    for p in problems.itertuples(index=False):
        row = f" row {p.row}" if not pd.isna(p.row) else ""
        lines += _wrap(f"{p.check_id}: {p.file}{row}: {p.reason} ({p.outcome})", _width(), 2)
    return "\n".join(lines) + "\n"


def _findings_table(findings: pd.DataFrame, summary: pd.DataFrame, result: CheckResult) -> str:
    ctx = result.context
    width = _width()
    scope = "every return" if ctx.data is result.data and len(ctx.all.returns) != len(
        ctx.all.latest().returns) else "the latest return of each provider and year"
    lines = [f"{len(findings)} findings on {scope} ({len(ctx.returns)} returns, "
             f"{len(ctx.learners)} learner records).", ""]
    if not summary.empty:
        lines += ["By provider and severity:", summary.to_string(index=False), ""]
    if findings.empty:
        return "\n".join([*lines, "No findings."]) + "\n"
    names = summary.set_index("ukprn")["provider"]
    for ukprn, rows in findings.groupby("ukprn", sort=True):
        lines.append(f"Provider {ukprn} {names.get(ukprn, '')} ({len(rows)} findings):")
        shown = rows.rename(columns={"rule_id": "rule", "learn_ref_number": "learner", "aim_seq_number": "aim"})
        lines += [*_blocks(shown, ["rule", "severity", "learner", "aim", "field", "value"], "message", width), ""]
    example = str(findings["rule_id"].iloc[0])
    lines += textwrap.wrap(f"What a rule checks, why, and an example: auditkit rules --rule ID (e.g. auditkit "
                           f"rules --rule {example}).", width=width, break_on_hyphens=False)
    return "\n".join(lines) + "\n"


@main.command("milestones")
@case_inputs
@click.option("--summary", is_flag=True, help="One row per provider, bootcamp aim and milestone instead of one per "
              "learner.")
@click.option("--all-returns", is_flag=True, help="Every snapshot return, each as of its own preparation date, "
              "not only the latest return of each provider and year.")
@output_options
def milestones_cmd(paths: tuple[Path, ...], contracts: Path | None, evidence: Path | None, employers: Path | None,
                   return_files: tuple[str, ...], as_of: dt.datetime | None, summary: bool, all_returns: bool,
                   fmt: str | None, out: Path | None, reveal: bool) -> None:
    """Milestone payments: what each bootcamp aim claimed and earned (M1, M2, M3) and the funding at risk.

    Example: auditkit milestones samples --summary
    """
    from auditkit.funding.milestones import EVIDENCE_COUNTING, funding_summary, milestones, provider_totals

    result = _open(paths, contracts, evidence, employers, return_files, as_of, all_returns=all_returns)
    _say_revealed(reveal, "milestones")
    frame = mask_frame(milestones(result.context, result.raw_findings), reveal=reveal)
    rows = funding_summary(frame, by_return=all_returns) if summary else frame
    chosen = output_format(out, fmt) if _format_ok(out, fmt) else "table"
    notes = _note(_case_notes(result, evidence_line=EVIDENCE_COUNTING), chosen)
    totals = provider_totals(frame)
    totals.insert(1, "provider", provider_names(totals["ukprn"], result.contracts))
    sheets = {"summary" if summary else "milestones": rows, "providers": totals}
    _output(rows, fmt, out, lambda: notes + _milestones_table(frame, rows if summary else None, result),
            "summary rows" if summary else "milestones", float_format="%.2f", sheets=sheets)


def _money(value: object) -> str:
    return "" if value is None or pd.isna(value) else f"{value:,.2f}"


#: Headings of the funding columns in the terminal tables.
MONEY_HEADINGS = {"amount_claimed": "claimed £", "amount_due": "earned £", "at_risk": "at risk (ILR) £",
                  "not_yet_due": "of which not yet due £", "at_risk_evidence": "at risk (evidence) £"}


def _milestones_table(frame: pd.DataFrame, summary: pd.DataFrame | None, result: CheckResult) -> str:
    from auditkit.funding.milestones import BLOCK_REASONS, provider_totals

    ctx = result.context
    width = _width()
    scope = "every return" if ctx.data is ctx.all and len(ctx.all.returns) != len(
        ctx.all.latest().returns) else "the latest return of each provider and year"
    aims = len(frame) // 3
    lines = [f"{len(frame)} milestones of {aims} bootcamp aims on {scope} ({len(ctx.returns)} returns).", ""]
    if frame.empty:
        return "\n".join([*lines, "No bootcamp aims."]) + "\n"
    totals = provider_totals(frame)
    totals.insert(1, "provider", provider_names(totals["ukprn"], result.contracts))
    shown = totals.rename(columns=MONEY_HEADINGS)
    for column in MONEY_HEADINGS.values():
        shown[column] = shown[column].map(_money)
    lines += ["Funding by provider (counts of milestones; pounds):", shown.to_string(index=False), ""]
    if int(totals["unpriced"].sum()):
        lines += [f"{int(totals['unpriced'].sum())} claimed milestones have no contract price (no contract, or an "
                  "aim not allocated to the provider) and are left out of the pounds.", ""]
    if summary is not None:
        table = summary.rename(columns=MONEY_HEADINGS)
        for column in MONEY_HEADINGS.values():
            table[column] = table[column].map(_money)
        lines += ["By provider, bootcamp aim and milestone:", table.to_string(index=False), ""]
        return "\n".join(lines)
    risky = frame[frame["claimed"].astype(bool) & ~frame["earned"].astype(bool)]
    lines.append(f"Claimed but not earned ({len(risky)}):")
    for ukprn, rows in risky.groupby("ukprn", sort=True):
        lines.append(f"Provider {ukprn}:")
        table = rows.rename(columns={"learn_ref_number": "learner", "bootcamp_aim": "aim",
                                     "milestone_date": "date", "at_risk": "at risk £"})
        table["date"] = table["date"].dt.strftime("%Y-%m-%d")
        table["at risk £"] = table["at risk £"].map(_money)
        lines += [*_blocks(table, ["learner", "aim", "milestone", "date", "period", "at risk £"], "blocked_by",
                           width, label="blocked by: "), ""]
    held = frame[frame["evidence_blocked_by"].fillna("") != ""]
    if len(held):
        lines.append(f"Earned on the ILR, evidence with a no-pay finding ({len(held)}):")
        table = held.rename(columns={"learn_ref_number": "learner", "bootcamp_aim": "aim", "milestone_date": "date",
                                     "at_risk_evidence": "at risk (evidence) £"})
        table["date"] = table["date"].dt.strftime("%Y-%m-%d")
        table["at risk (evidence) £"] = table["at risk (evidence) £"].map(_money)
        lines += [*_blocks(table, ["ukprn", "learner", "aim", "milestone", "date", "at risk (evidence) £"],
                           "evidence_blocked_by", width, label="evidence findings: "), ""]
    used = {r for text in risky["blocked_by"].dropna() for r in str(text).split(",") if r in BLOCK_REASONS}
    if used:
        lines.append("blocked by: rule ids are findings (auditkit check; auditkit rules --rule ID explains each); "
                     "the other reasons are:")
        lines += [f"  {r}: {BLOCK_REASONS[r]}" for r in BLOCK_REASONS if r in used]
        lines.append("")
    return "\n".join(lines)


# -- auditkit kpis ---------------------------------------------------------------------------------------------

@main.command("kpis")
@case_inputs
@click.option("--trends", is_flag=True, help="The KPIs as of each snapshot return of each provider instead.")
@click.option("--changes", is_flag=True, help="What each provider changed between consecutive returns instead.")
@output_options
def kpis_cmd(paths: tuple[Path, ...], contracts: Path | None, evidence: Path | None, employers: Path | None,
             return_files: tuple[str, ...], as_of: dt.datetime | None, trends: bool, changes: bool,
             fmt: str | None, out: Path | None, reveal: bool) -> None:
    """KPIs per provider and bootcamp aim, per month and cumulative, against their targets; or their trend
    across returns (--trends); or the change history between returns (--changes).

    CSV and JSON give one row per provider, bootcamp aim, KPI and month (with --trends: per snapshot return;
    with --changes: per change). The table shows the latest figures. Without evidence, the KPIs that need it
    are not evaluated.

    Example: auditkit kpis samples --trends
    """
    from auditkit.case.kpis import case_kpis
    from auditkit.measures.changes import change_histories, mask_changes
    from auditkit.measures.trends import kpi_trends

    if trends and changes:
        raise click.UsageError("--trends and --changes cannot be combined: run the command once for each")
    chosen = output_format(out, fmt) if _format_ok(out, fmt) else "table"
    day = as_of.date() if as_of else None
    try:
        if changes:
            require_ilr(paths)
            loaded = read_ilr(paths)
            data = choose_returns(loaded, returns=return_files, as_of=day)
            frame = mask_changes(change_histories(data), reveal=reveal)
            notes = _note(problem_lines(loaded, data), chosen)
            table, what = (lambda: notes + _kpi_changes_table(frame)), "changes"
        else:
            case = case_kpis(paths, contracts=contracts, evidence=evidence, employers=employers,
                                        returns=return_files, as_of=day)
            notes = _note(problem_lines(case.loaded, case.data), chosen)
            if trends:
                frame = kpi_trends(case.data, case.contracts, evidence=case.context.evidence,
                                   employers=case.employers)
                table, what = (lambda: notes + _kpi_trends_table(frame)), "trend rows"
            else:
                frame = case.result.values
                table, what = (lambda: notes + _kpi_table(case.result, case.evidence is not None,
                                                          case.employers is not None)), "KPI values"
    except InputError as exc:
        raise _fail(exc) from exc
    _say_revealed(reveal and changes, "changes")
    _output(frame, fmt, out, table, what)


def _kpi_shown(value: float | None, unit: str) -> str:
    if value is None or pd.isna(value):
        return "-"
    return f"{float(value) * 100:.1f}%" if unit == "ratio" else f"{float(value):g}"


def _kpi_table(result: object, with_evidence: bool, with_employers: bool) -> str:
    from auditkit.measures.kpis import KPI_BY_ID

    latest = result.latest()  # type: ignore[attr-defined]
    lines = [f"KPIs of {latest['ukprn'].nunique()} providers (latest return of each provider and year; evidence "
             f"{'loaded' if with_evidence else 'not loaded'}, employer register "
             f"{'loaded' if with_employers else 'not loaded'}).", ""]
    for note in result.notes:  # type: ignore[attr-defined]
        lines.append(f"Note: {note}")
    if result.notes:  # type: ignore[attr-defined]
        lines.append("")
    for ukprn, rows in latest.groupby("ukprn", sort=True):
        as_of = rows["as_of"].dropna()
        lines.append(f"Provider {ukprn}" + (f" (as of {as_of.iloc[0]:%Y-%m-%d}):" if len(as_of) else ":"))
        shown = pd.DataFrame({
            "aim": rows["bootcamp_aim"], "kpi": rows["kpi"],
            "numerator": rows["cumulative_numerator"].astype(object).fillna("-"),
            "denominator": rows["cumulative_denominator"].astype(object).fillna("-"),
            "value": [_kpi_shown(v, KPI_BY_ID[k].unit) for v, k in zip(rows["cumulative_value"], rows["kpi"],
                                                                          strict=True)],
            "target": [("-" if pd.isna(t) else ("<= " if d == "at-most" else ">= ") + f"{t * 100:g}%")
                       for t, d in zip(rows["target"], rows["direction"], strict=True)],
            "status": rows["status"].astype(object).fillna("-")})
        lines += [shown.to_string(index=False), ""]
    return "\n".join(lines)


def _kpi_trends_table(trends: pd.DataFrame) -> str:
    from auditkit.measures.kpis import KPI_BY_ID
    from auditkit.measures.trends import snapshot_label

    if trends.empty:
        return "No snapshot returns.\n"
    lines = [f"KPIs as of each snapshot return ({trends['return_id'].nunique()} returns).", ""]
    for ukprn, rows in trends.groupby("ukprn", sort=True):
        rows = rows.assign(snapshot=snapshot_label(rows),
                           shown=[_kpi_shown(v, KPI_BY_ID[k].unit) for v, k in zip(rows["value"], rows["kpi"],
                                                                                    strict=True)])
        order = list(dict.fromkeys(rows.sort_values(["as_of", "ilr_year", "period"])["snapshot"]))
        table = rows.pivot_table(index=["bootcamp_aim", "kpi"], columns="snapshot", values="shown",
                                 aggfunc="first", sort=False).reindex(columns=order).fillna("")
        lines += [f"Provider {ukprn}:", table.to_string(), ""]
    return "\n".join(lines)


def _kpi_changes_table(changes: pd.DataFrame) -> str:
    from auditkit.measures.changes import summary as change_summary

    if changes.empty:
        return "No changes between consecutive returns.\n"
    lines = [f"{len(changes)} changes between consecutive returns (personal values masked).", "",
             change_summary(changes).to_string(index=False), ""]
    for (ukprn, year, a, b), rows in changes.groupby(["ukprn", "ilr_year", "from_period", "to_period"], sort=True):
        lines.append(f"Provider {ukprn}, {year} {a} -> {b}:")
        shown = rows[["change", "learn_ref_number", "aim_seq_number", "learn_aim_ref", "field", "old", "new"]]
        shown = shown.rename(columns={"learn_ref_number": "learner", "aim_seq_number": "aim"}).astype(object).fillna("")
        lines += [shown.to_string(index=False, max_colwidth=60), ""]
    return "\n".join(lines)


@main.command()
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder to write the case into.")
@click.option("--seed", default=2024, show_default=True, help="Random seed (the shipped samples use the default).")
def samples(out: Path, seed: int) -> None:
    """Write the synthetic sample case (ILR returns, contracts, evidence, employers, PLANTED.md).

    Example: auditkit samples --out /tmp/case
    """
    from auditkit.samples import generate_samples

    generate_samples(out, seed=seed)
    click.echo(f"Wrote synthetic samples to {out}")


@main.command()
@click.option("--out", type=click.Path(path_type=Path), default=Path("docs"), show_default=True)
def docs(out: Path) -> None:
    """Regenerate the reference docs (frames.md) from the code.

    Example: auditkit docs --out docs
    """
    from auditkit.rules.docs import rules_markdown
    from auditkit.views.docs import frames_markdown

    out.mkdir(parents=True, exist_ok=True)
    for name, text in (("frames.md", frames_markdown()), ("rules.md", rules_markdown())):
        (out / name).write_text(text, encoding="utf-8")
        click.echo(f"Wrote {out / name}")


@main.command("rules")
@click.option("--format", "fmt", type=click.Choice(["table", "markdown", "json"]), default="table",
              show_default=True)
@click.option("--rule", "ids", multiple=True, help="Show only these rule ids (repeatable); with their full docs.")
def rules_cmd(fmt: str, ids: tuple[str, ...]) -> None:
    """Print the rule catalogue, from the code.

    Example: auditkit rules --rule W5_M2_04
    """
    from auditkit.rules import get_rules
    from auditkit.rules.docs import catalogue, rules_markdown

    try:
        chosen = get_rules(list(ids) or None)
    except ValueError as exc:
        raise _fail(exc) from exc
    if fmt == "markdown":
        click.echo(rules_markdown(), nl=False)
    elif fmt == "json":
        click.echo(catalogue(chosen).to_json(orient="records", indent=2))
    elif ids:
        for r in chosen:
            click.echo(f"{r.id} ({r.severity}, reads {', '.join(r.reads)})\n\n{r.doc}\n")
    else:
        click.echo(catalogue(chosen).to_string(index=False, max_colwidth=90))


@main.command()
@click.argument("folder", required=False, type=click.Path(path_type=Path), default=Path("notebooks"))
def lab(folder: Path) -> None:
    """Open JupyterLab on the notebooks.

    Example: auditkit lab
    """
    raise SystemExit(subprocess.call([sys.executable, "-m", "jupyter", "lab", str(folder)]))


if __name__ == "__main__":  # pragma: no cover
    main()
