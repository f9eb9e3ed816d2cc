"""The ``auditkit`` command line: a thin click layer over the library."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pandas as pd

from auditkit.check import CheckResult, check_case, fails, filter_severity, summary_by_provider
from auditkit.privacy import mask_frame
from auditkit.readers.discover import InputError, find_case
from auditkit.readers.ilr import ILRData, read_ilr
from auditkit.summaries import returns_overview

PATHS = click.Path(path_type=Path)
EXISTING = click.Path(exists=True, path_type=Path)


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
                 "manifest and/or documents (default: found in the case folder)."),
    click.option("--employers", type=EXISTING, help="Employer register CSV/XLSX (default: *employer*.csv/xlsx "
                 "found in the case folder)."),
)
#: How a table command writes its output, shared by the table commands.
output_options = _compose(
    click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
                 show_default=True),
    click.option("--out", type=PATHS, help="Write the output to this file instead of stdout."),
    click.option("--reveal", is_flag=True, help="Show personal data unmasked (a deliberate act)."),
)


def _render(frame: pd.DataFrame, fmt: str, table: Callable[[], str],
            csv: Callable[[pd.DataFrame], str] | None = None) -> str:
    """The frame as CSV (a header row, dates as YYYY-MM-DD), JSON records, or the command's table."""
    if fmt == "csv":
        return csv(frame) if csv else frame.to_csv(index=False, date_format="%Y-%m-%d", lineterminator="\n")
    if fmt == "json":
        return _dates_as_text(frame).to_json(orient="records", indent=2) + "\n"
    return table()


def _emit(text: str, out: Path | None, count: int, what: str) -> None:
    if out:
        out.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {count} {what} to {out}", err=True)
    else:
        click.echo(text, nl=False)


def _say_revealed(reveal: bool) -> None:
    if reveal:
        click.echo("Personal data is shown unmasked (--reveal).", err=True)


def _fail(exc: Exception) -> click.ClickException:
    return click.ClickException(str(exc))


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
        data = read_ilr(paths, errors="report" if skip_bad_files else "raise")
    except InputError as exc:
        raise _fail(exc) from exc
    summary = data.summary()
    if fmt == "json":
        summary["case"] = {k: str(v) if v else None for k, v in vars(case).items() if k != "ilr"}
        summary["returns_detail"] = json.loads(returns_overview(data).to_json(orient="records", date_format="iso"))
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
    click.echo("")
    overview = returns_overview(data)
    overview["file_preparation_date"] = overview["file_preparation_date"].dt.strftime("%Y-%m-%d")
    click.echo(overview.rename(columns={"learner_count": "learners", "delivery_count": "aims",
                                        "problem_count": "problems", "file_preparation_date": "prepared"})
               .to_string(index=False))
    if show_problems and len(data.problems):
        click.echo("")
        click.echo(f"Problems (first {min(show_problems, len(data.problems))} of {len(data.problems)}):")
        masked = data.masked().problems.head(show_problems)
        for p in masked.itertuples(index=False):
            where = f"{p.file}:{p.line}" if not pd.isna(p.line) else str(p.file)
            who = f" learner {p.learn_ref_number}" if not pd.isna(p.learn_ref_number) else ""
            click.echo(f"  {p.severity}: {where}{who}: {p.message}")


SEVERITY_CHOICE = click.Choice(["no-pay", "error", "warning"])


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
          postcodes: Path | None, severity: str | None, rule_ids: tuple[str, ...], all_returns: bool,
          fail_on: str | None, fmt: str, out: Path | None, reveal: bool) -> None:
    """Check ILR returns (and evidence, when found) against the WMCA Wave 5 rules and list the findings.

    Example: auditkit check samples --severity no-pay
    """
    try:
        result = check_case(paths, contracts=contracts, postcodes=postcodes, rules=list(rule_ids) or None,
                            all_returns=all_returns, evidence=evidence, employers=employers)
    except (InputError, ValueError) as exc:
        raise _fail(exc) from exc
    _say_revealed(reveal)
    findings = mask_frame(filter_severity(result.findings, severity), reveal=reveal)
    text = _render(findings, fmt, lambda: _findings_table(findings, summary_by_provider(findings, result.contracts),
                                                          result) + _evidence_problems_text(result))
    if fmt != "table" and result.evidence is not None and len(result.evidence.problems):
        click.echo(f"{len(result.evidence.problems)} evidence problems (rows not read as expected); "
                   "--format table lists them.", err=True)
    _emit(text, out, len(findings), "findings")
    if fail_on and fails(result.findings, fail_on):
        raise SystemExit(1)


def _evidence_problems_text(result: CheckResult) -> str:
    """The evidence problems (bad manifest, register and folder rows) after the findings table."""
    if result.evidence is None:
        return ""
    problems = result.evidence.problems
    head = (f"Evidence: {len(result.evidence.evidence)} documents read; {len(problems)} problems"
            + (" (file, row, reason):" if len(problems) else "."))
    lines = ["", head]
    for p in problems.itertuples(index=False):
        row = f" row {p.row}" if not pd.isna(p.row) else ""
        lines.append(f"  {p.check_id}: {p.file}{row}: {p.reason} ({p.outcome})")
    return "\n".join(lines) + "\n"


def _findings_table(findings: pd.DataFrame, summary: pd.DataFrame, result: CheckResult) -> str:
    ctx = result.context
    scope = "every return" if ctx.data is result.data else "the latest return of each provider and year"
    lines = [f"{len(findings)} findings on {scope} ({len(ctx.returns)} returns, "
             f"{len(ctx.learners)} learner records).", ""]
    if summary.empty:
        return "\n".join([*lines, "No findings."]) + "\n"
    lines += ["By provider and severity:", summary.to_string(index=False), ""]
    for ukprn, rows in findings.groupby("ukprn", sort=True):
        lines.append(f"Provider {ukprn}:")
        shown = rows[["rule_id", "severity", "learn_ref_number", "aim_seq_number", "field", "value", "message"]]
        shown = shown.rename(columns={"learn_ref_number": "learner", "aim_seq_number": "aim"}).astype(object).fillna("")
        lines += [shown.to_string(index=False, max_colwidth=100), ""]
    return "\n".join(lines)


@main.command("milestones")
@case_inputs
@click.option("--summary", is_flag=True, help="One row per provider, bootcamp aim and milestone instead of one per "
              "learner.")
@click.option("--all-returns", is_flag=True, help="Every snapshot return, each as of its own preparation date, "
              "not only the latest return of each provider and year.")
@output_options
def milestones_cmd(paths: tuple[Path, ...], contracts: Path | None, evidence: Path | None, employers: Path | None,
                   summary: bool, all_returns: bool, fmt: str, out: Path | None, reveal: bool) -> None:
    """Milestone payments: what each bootcamp aim claimed and earned (M1, M2, M3) and the funding at risk.

    Example: auditkit milestones samples --summary
    """
    from auditkit.milestones import funding_summary, milestones, to_csv

    try:
        result = check_case(paths, contracts=contracts, all_returns=all_returns, evidence=evidence,
                            employers=employers)
    except (InputError, ValueError) as exc:
        raise _fail(exc) from exc
    _say_revealed(reveal)
    frame = mask_frame(milestones(result.context, result.findings), reveal=reveal)
    rows = funding_summary(frame, by_return=all_returns) if summary else frame
    text = _render(rows, fmt, lambda: _milestones_table(frame, rows if summary else None, result), csv=to_csv)
    _emit(text, out, len(rows), "summary rows" if summary else "milestones")


def _dates_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d").astype(object).where(out[column].notna(), None)
    return out


def _money(value: object) -> str:
    return "" if value is None or pd.isna(value) else f"{value:,.2f}"  # type: ignore[arg-type, call-overload]


def _milestones_table(frame: pd.DataFrame, summary: pd.DataFrame | None, result: CheckResult) -> str:
    from auditkit.milestones import BLOCK_REASONS, provider_totals

    ctx = result.context
    scope = "every return" if ctx.data is result.data else "the latest return of each provider and year"
    aims = len(frame) // 3
    lines = [f"{len(frame)} milestones of {aims} bootcamp aims on {scope} ({len(ctx.returns)} returns).", ""]
    if frame.empty:
        return "\n".join([*lines, "No bootcamp aims."]) + "\n"
    names = (result.contracts.contracts.set_index("ukprn")["provider"] if result.contracts is not None
             else pd.Series(dtype="string"))
    totals = provider_totals(frame)
    totals.insert(1, "provider", totals["ukprn"].map(names).fillna("(no contract)"))
    shown = totals.rename(columns={"amount_claimed": "claimed £", "amount_due": "earned £", "at_risk": "at risk £",
                                   "not_yet_due": "of which not yet due £"})
    for column in ("claimed £", "earned £", "at risk £", "of which not yet due £"):
        shown[column] = shown[column].map(_money)
    lines += ["Funding by provider (counts of milestones; pounds):", shown.to_string(index=False), ""]
    if int(totals["unpriced"].sum()):
        lines += [f"{int(totals['unpriced'].sum())} claimed milestones have no contract price (no contract, or an "
                  "aim not allocated to the provider) and are left out of the pounds.", ""]
    if summary is not None:
        table = summary.copy()
        for column in ("amount_claimed", "amount_due", "at_risk", "not_yet_due"):
            table[column] = table[column].map(_money)
        lines += ["By provider, bootcamp aim and milestone:", table.to_string(index=False), ""]
        return "\n".join(lines)
    risky = frame[frame["claimed"].astype(bool) & ~frame["earned"].astype(bool)]
    lines.append(f"Claimed but not earned ({len(risky)}):")
    for ukprn, rows in risky.groupby("ukprn", sort=True):
        lines.append(f"Provider {ukprn}:")
        table = rows[["learn_ref_number", "bootcamp_aim", "milestone", "milestone_date", "period", "at_risk",
                      "blocked_by"]].rename(columns={"learn_ref_number": "learner", "bootcamp_aim": "aim",
                                                     "milestone_date": "date", "at_risk": "at risk £"})
        table["date"] = table["date"].dt.strftime("%Y-%m-%d")
        table["at risk £"] = table["at risk £"].map(_money)
        lines += [table.astype(object).fillna("").to_string(index=False), ""]
    used = {r for text in risky["blocked_by"].dropna() for r in str(text).split(",") if r in BLOCK_REASONS}
    if used:
        lines.append("blocked_by: rule ids are findings (see auditkit check); the other reasons are:")
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
             trends: bool, changes: bool, fmt: str, out: Path | None, reveal: bool) -> None:
    """KPIs per provider and bootcamp aim, per month and cumulative, against their targets; or their trend
    across returns (--trends); or the change history between returns (--changes).

    CSV and JSON give one row per provider, bootcamp aim, KPI and month (with --trends: per snapshot return;
    with --changes: per change). The table shows the latest figures. Without evidence, the KPIs that need it
    are not evaluated.

    Example: auditkit kpis samples --trends
    """
    from auditkit import kpis as kpi_module
    from auditkit.changes import change_histories, mask_changes
    from auditkit.trends import kpi_trends

    if trends and changes:
        raise click.UsageError("--trends and --changes cannot be combined: run the command once for each")
    try:
        if changes:
            frame = mask_changes(change_histories(read_ilr(paths)), reveal=reveal)
            table, what = (lambda: _kpi_changes_table(frame)), "changes"
        else:
            case = kpi_module.case_kpis(paths, contracts=contracts, evidence=evidence, employers=employers)
            if trends:
                frame = kpi_trends(case.data, case.contracts, evidence=case.context.evidence,
                                   employers=case.employers)
                table, what = (lambda: _kpi_trends_table(frame)), "trend rows"
            else:
                frame = case.result.values
                table, what = (lambda: _kpi_table(case.result, case.evidence is not None,
                                                  case.employers is not None)), "KPI values"
    except (InputError, ValueError) as exc:
        raise _fail(exc) from exc
    _say_revealed(reveal and changes)
    _emit(_render(frame, fmt, table), out, len(frame), what)


def _kpi_shown(value: object, unit: str) -> str:
    if value is None or pd.isna(value):
        return "-"
    return f"{float(value) * 100:.1f}%" if unit == "ratio" else f"{float(value):g}"


def _kpi_table(result: object, with_evidence: bool, with_employers: bool) -> str:
    from auditkit.kpis import KPI_BY_ID

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
    from auditkit.kpis import KPI_BY_ID
    from auditkit.trends import snapshot_label

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
    from auditkit.changes import summary as change_summary

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
    from auditkit.docs import frames_markdown
    from auditkit.rules.docs import rules_markdown

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
