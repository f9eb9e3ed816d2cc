"""The ``auditkit`` command line: a thin click layer over :func:`auditkit.open_case` and the views.

Each table command opens the case, picks the frame it shows and hands it, with its table, to one
:class:`~auditkit.cli.output.Output`."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click
import pandas as pd

from auditkit.case import open_case
from auditkit.case.findings import fails, filter_severity
from auditkit.cli.options import (
    PATHS,
    SEVERITY_CHOICE,
    CaseError,
    case_inputs,
    input_errors,
    no_cache_option,
    open_from_options,
    output_options,
    use_cache,
    width,
)
from auditkit.cli.output import Output
from auditkit.errors import InputError
from auditkit.frames.workpapers import FINDING_VERDICTS, ROLES
from auditkit.funding.milestones import EVIDENCE_COUNTING
from auditkit.privacy import mask_frame
from auditkit.views.audit import AUDIT_FORMATS, README, write_audit
from auditkit.views.notes import (
    CHECK_EVIDENCE_NOTE,
    case_notes,
    evidence_problems_line,
    evidence_problems_text,
    evidence_sheets,
)
from auditkit.views.tables import (
    findings_table,
    kpi_changes_table,
    kpi_table,
    kpi_trends_table,
    load_summary,
    load_text,
    milestones_table,
    workpapers_table,
)
from auditkit.writers.tables import to_csv, to_json

#: Where the workpapers are kept, shared by the workpaper commands.
store_option = click.option(
    "--store", "store_url", metavar="URL", help="The workpaper store: sqlite:///PATH or postgresql://USER@HOST/DB "
    "(default: AUDITKIT_STORE, else <case folder>/.auditkit/workpapers.sqlite).")


def _check_rule_ids(rule_ids: tuple[str, ...]) -> None:
    from auditkit.rules import get_rules

    try:
        get_rules(list(rule_ids) or None)
    except ValueError as exc:
        raise CaseError(str(exc)) from exc


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
@no_cache_option
def load(paths: tuple[Path, ...], fmt: str, skip_bad_files: bool, show_problems: int) -> None:
    """Read ILR files, folders or zips and say what was read.

    Example: auditkit load samples
    """
    with input_errors():
        case = open_case(paths, skip_bad_files=skip_bad_files, cache=use_cache())
    if fmt == "json":
        click.echo(json.dumps(load_summary(case), indent=2, default=str))
    else:
        click.echo(load_text(case, show_problems, width()), nl=False)


@main.command()
@case_inputs
@click.option("--postcodes", type=click.Path(exists=True, path_type=Path),
              help="ONS postcode directory CSV, for exact WMCA residency checks.")
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
    output = Output.of(fmt, out)
    with input_errors():
        case = open_from_options(paths, contracts, evidence, employers, return_files, as_of, postcodes=postcodes,
                                 rules=list(rule_ids) or None, all_returns=all_returns)
        output.revealed(reveal, "findings")
        findings = filter_severity(case.revealed_findings("--reveal") if reveal else case.findings, severity)
        notes = output.notes(case_notes(case, evidence_line=CHECK_EVIDENCE_NOTE))
        output.aside(evidence_problems_line(case))
        summary = case.summarise(findings)
        output.write(findings, lambda: notes + findings_table(case, findings, summary, width())
                     + evidence_problems_text(case, width()), "findings",
                     sheets={"findings": findings, "summary": summary, **evidence_sheets(case)})
    if fail_on and fails(case.raw_findings, fail_on):
        raise SystemExit(1)


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
    output = Output.of(fmt, out)
    with input_errors():
        case = open_from_options(paths, contracts, evidence, employers, return_files, as_of, all_returns=all_returns)
        output.revealed(reveal, "milestones")
        frame = mask_frame(case.milestones, reveal=reveal)
        rows = case.funding if summary else frame
        notes = output.notes(case_notes(case, evidence_line=EVIDENCE_COUNTING))
        output.write(rows, lambda: notes + milestones_table(case, frame, rows if summary else None, width()),
                     "summary rows" if summary else "milestones", float_format="%.2f",
                     sheets={"summary" if summary else "milestones": rows, "providers": case.funding_by_provider})


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
    if trends and changes:
        raise click.UsageError("--trends and --changes cannot be combined: run the command once for each")
    output = Output.of(fmt, out)
    with input_errors():
        case = open_from_options(paths, contracts, evidence, employers, return_files, as_of)
        notes = output.notes(case.read_notes)
        table: Callable[[pd.DataFrame], str]
        if changes:
            frame, table, what = (case.raw_changes if reveal else case.changes), kpi_changes_table, "changes"
        elif trends:
            frame, table, what = case.trends, kpi_trends_table, "trend rows"
        else:
            frame, what = case.kpis.values, "KPI values"
            table = lambda _: kpi_table(case.kpis, case.evidence is not None, case.employers is not None)  # noqa: E731
        output.revealed(reveal and changes, "changes")
        output.write(frame, lambda: notes + table(frame), what)


@main.command("anomalies")
@case_inputs
@click.option("--detector", "detector_ids", multiple=True, help="Only these detector ids (repeatable).")
@output_options
def anomalies_cmd(paths: tuple[Path, ...], contracts: Path | None, evidence: Path | None, employers: Path | None,
                  return_files: tuple[str, ...], as_of: dt.datetime | None, detector_ids: tuple[str, ...],
                  fmt: str | None, out: Path | None, reveal: bool) -> None:
    """Patterns that suggest gaming or error although no rule is broken (late starts, ends at the 80% threshold,
    offers from one employer, shared ULNs and contacts, ...), each with a score from 0 to 1 and what it rests on.

    Example: auditkit anomalies samples --format csv
    """
    from auditkit.anomalies import get_detectors
    from auditkit.views.anomalies import anomalies_table

    try:
        get_detectors(list(detector_ids) or None)
    except ValueError as exc:
        raise CaseError(str(exc)) from exc
    output = Output.of(fmt, out)
    with input_errors():
        case = open_from_options(paths, contracts, evidence, employers, return_files, as_of)
        output.revealed(reveal, "anomalies")
        frame = case.raw_anomalies if reveal else case.anomalies
        if detector_ids:
            frame = frame[frame["rule_id"].isin(detector_ids)].reset_index(drop=True)
        notes = output.notes(case.read_notes)
        output.write(frame, lambda: notes + anomalies_table(frame, width()), "anomalies", float_format="%.4f")


@main.command("risk")
@case_inputs
@click.option("--by", type=click.Choice(["learner", "provider", "contributions"]), default="learner",
              show_default=True, help="One score per learner or per provider, or what added how much to each.")
@click.option("--top", default=30, show_default=True, help="How many learners the table shows.")
@output_options
def risk_cmd(paths: tuple[Path, ...], contracts: Path | None, evidence: Path | None, employers: Path | None,
             return_files: tuple[str, ...], as_of: dt.datetime | None, by: str, top: int, fmt: str | None,
             out: Path | None, reveal: bool) -> None:
    """Risk scores from the findings and anomalies (weights: auditkit.anomalies.DEFAULT_WEIGHTS), per learner or
    provider, each explained by what added most; --by contributions lists every finding and anomaly behind them.

    Example: auditkit risk samples --by provider
    """
    from auditkit.views.anomalies import risk_frame, risk_table

    output = Output.of(fmt, out)
    with input_errors():
        case = open_from_options(paths, contracts, evidence, employers, return_files, as_of)
        frame = risk_frame(case.risk, by)
        notes = output.notes(case.read_notes)
        output.write(frame, lambda: notes + risk_table(case.risk, by, top, width()), f"{by} rows",
                     float_format="%.4f")


@main.command()
@case_inputs
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write into (created if missing).")
@click.option("--format", "fmt", type=click.Choice(AUDIT_FORMATS), default="csv", show_default=True,
              help="A file per table (csv, json), or one workbook audit.xlsx with a sheet per table (xlsx).")
@click.option("--reveal", is_flag=True, help="Write personal data unmasked (a deliberate act, logged).")
def audit(paths: tuple[Path, ...], contracts: Path | None, evidence: Path | None, employers: Path | None,
          return_files: tuple[str, ...], as_of: dt.datetime | None, out: Path, fmt: str, reveal: bool) -> None:
    """Open the case once and write every output of an audit into the folder --out: findings.csv,
    findings-summary.csv, milestones.csv, funding.csv, funding-providers.csv, kpis.csv, kpi-members.csv,
    evidence-problems.csv (with evidence), read-problems.csv and README.txt (what was written, the notes, the
    totals; also printed). The CSVs are those of check, milestones, milestones --summary and kpis with --out.

    Example: auditkit audit samples --out audit-2025-01
    """
    with input_errors():
        case = open_from_options(paths, contracts, evidence, employers, return_files, as_of)
        Output(fmt, out).revealed(reveal, "audit")
        write_audit(case, out, fmt, reveal=reveal)
    click.echo((out / README).read_text(encoding="utf-8"), nl=False)


@main.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write the Parquet datasets into (created if missing).")
@click.option("--scheduler", metavar="ADDRESS", help="A Dask scheduler to run on (tcp://HOST:PORT); default: a "
              "local cluster of --workers processes.")
@click.option("--workers", type=click.IntRange(1), help="Worker processes of the local cluster  [default: 2]")
@click.option("--memory-limit", metavar="SIZE", help="Memory limit of each local worker, e.g. 2GiB (default: the "
              "machine's memory shared between them).")
@click.option("--keep-work", is_flag=True, help="Keep the work folder (OUT/.national-work: every provider's returns "
              "as read, personal data) instead of removing it.")
def national(folder: Path, out: Path, scheduler: str | None, workers: int | None, memory_limit: str | None,
             keep_work: bool) -> None:
    """Audit every provider's returns under FOLDER on a Dask cluster, one task per provider, then the
    whole-dataset rules joined on ULN, and write findings, milestones, KPIs, KPI members and the cross-provider
    anomalies as Parquet partitioned by ILR year and provider (OUT/findings/ilr_year=2024-25/ukprn=10090001/...),
    with national.json (what was done) and failures.csv (providers whose task failed: the others' results are
    kept; exit status 1). Personal data is masked. See docs/national.md.

    Example: auditkit national samples --out national-2025 --workers 2
    """
    from auditkit.national.run import run_national

    if scheduler and workers:
        raise click.UsageError("--scheduler and --workers cannot be combined: a scheduler's cluster has its own "
                               "workers")
    with input_errors():
        run = run_national(folder, out, scheduler=scheduler, workers=workers or 2, memory_limit=memory_limit,
                           keep_work=keep_work, say=lambda line: click.echo(line, err=True))
    s = run.summary()
    click.echo(f"Wrote {s['findings']} findings, {s['milestones']} milestones, {s['kpis']} KPI values, "
               f"{s['kpi_members']} KPI members and {s['anomalies']} cross-provider anomalies of "
               f"{len(run.providers) - len(run.failures)} providers ({s['learners']} learner records, "
               f"{s['shared_ulns']} ULNs at more than one provider) to {out}")
    for note in run.notes:
        click.echo(f"Note: {note}", err=True)
    for f in run.failures.itertuples():
        click.echo(f"FAILED: provider {f.ukprn} ({f.stage}; {f.files}): {f.error}", err=True)
    if not run.ok:
        click.echo(f"{len(run.failures)} provider(s) failed and are missing from the results; see "
                   f"{out / 'failures.csv'}", err=True)
        raise SystemExit(1)


@main.command("sql")
@case_inputs
@click.argument("query")
@output_options
def sql_cmd(paths: tuple[Path, ...], contracts: Path | None, evidence: Path | None, employers: Path | None,
            return_files: tuple[str, ...], as_of: dt.datetime | None, query: str, fmt: str | None, out: Path | None,
            reveal: bool) -> None:
    """Run QUERY, DuckDB SQL, over the case: the ILR frames of the returns audited (learners, deliveries, ...),
    returns_read, findings, milestones, funding, kpi_values, kpi_members, kpi_trends, changes, evidence and
    employers. Masked unless --reveal. No file outside the case is read.

    Example: auditkit sql samples "SELECT ukprn, sum(at_risk) FROM milestones GROUP BY 1"
    """
    output = Output.of(fmt, out)
    with input_errors():
        case = open_from_options(paths, contracts, evidence, employers, return_files, as_of)
        output.revealed(reveal, "sql")
        result = case.sql(query, reveal=reveal)
        output.write(result, lambda: result.to_string(index=False, max_colwidth=60) + "\n", "rows")


@main.command()
@case_inputs
@store_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write report.html, report.xlsx, report.ipynb (and report.pdf) into.")
@click.option("--provider", type=int, default=None, help="Report on this provider (UKPRN) only.")
@click.option("--pdf", is_flag=True, help="Also print the report to report.pdf with headless Chromium.")
@click.option("--reveal", is_flag=True, help="Show personal data unmasked (a deliberate act, logged).")
def report(paths: tuple[Path, ...], contracts: Path | None, evidence: Path | None, employers: Path | None,
           return_files: tuple[str, ...], as_of: dt.datetime | None, store_url: str | None, out: Path,
           provider: int | None, pdf: bool, reveal: bool) -> None:
    """Write the audit report: a self-contained HTML page (opens with no network), a workbook of the same
    tables, the executed notebook and, with --pdf, a PDF; with the workpaper store's sample and its evaluation,
    the verdicts and open queries and the sign-offs. Masked by default; --reveal is logged in the store.

    Example: auditkit report samples --out report-2025-04 --pdf
    """
    from auditkit.report import build_report

    with input_errors():
        if len(paths) != 1 or return_files:
            raise InputError("report takes one case folder (or file), without --return")
        case = open_from_options(paths, contracts, evidence, employers, return_files, as_of)
        Output("csv", out).revealed(reveal, "report")
        inputs = {"CONTRACTS": contracts or "", "EVIDENCE": evidence or "", "EMPLOYERS": employers or "",
                  "AS_OF": as_of.date().isoformat() if as_of else ""}
        files = build_report(case, paths[0], out, provider=provider, pdf=pdf, reveal=reveal,
                             inputs={k: str(v) for k, v in inputs.items()}, store_url=store_url)
    for path in (files.html, files.workbook, files.pdf):
        if path is not None:
            click.echo(f"Wrote {path}")


@main.command("verdict")
@case_inputs
@store_option
@click.option("--check", "check_id", required=True, metavar="ID",
              help="The check's id (as `auditkit workpapers` lists them).")
@click.option("--verdict", "verdict", required=True, type=click.Choice(FINDING_VERDICTS),
              help="explained and accepted (findings only) need a --note saying why.")
@click.option("--note", default="", help="The note: what was seen, or why.")
def verdict_cmd(paths: tuple[Path, ...], contracts: Path | None, evidence: Path | None, employers: Path | None,
                return_files: tuple[str, ...], as_of: dt.datetime | None, store_url: str | None, check_id: str,
                verdict: str, note: str) -> None:
    """Record a verdict (and a note) on one check of the case; said only once committed to the store.

    Example: auditkit verdict samples --check 1a2b3c4d5e6f --verdict explained --note "employer confirmed"
    """
    from auditkit.workpapers import open_store

    with input_errors():
        case = open_from_options(paths, contracts, evidence, employers, return_files, as_of)
        with open_store(case, store_url) as store:
            store.sync(case)
            history_id = store.record(check_id, verdict, note)
            click.echo(f"Recorded {verdict} on check {check_id} for {store.user} (change {history_id}) in "
                       f"{store.url}")


@main.command("signoff")
@case_inputs
@store_option
@click.option("--role", required=True, type=click.Choice(ROLES), help="Sign off as preparer or reviewer.")
@click.option("--check", "check_ids", multiple=True, metavar="ID", help="A check to sign off (repeatable).")
@click.option("--all", "all_checks", is_flag=True, help="Every check with a verdict not yet signed off in this role.")
def signoff_cmd(paths: tuple[Path, ...], contracts: Path | None, evidence: Path | None, employers: Path | None,
                return_files: tuple[str, ...], as_of: dt.datetime | None, store_url: str | None, role: str,
                check_ids: tuple[str, ...], all_checks: bool) -> None:
    """Sign checks off as preparer or reviewer (a reviewer cannot review a check they prepared).

    Example: auditkit signoff samples --role preparer --all
    """
    from auditkit.workpapers import open_store

    if bool(check_ids) == all_checks:
        raise click.UsageError("give --check ID (repeatable) or --all")
    with input_errors():
        case = open_from_options(paths, contracts, evidence, employers, return_files, as_of)
        with open_store(case, store_url) as store:
            chosen = list(check_ids)
            if all_checks:
                current = store.current()
                signed = current["preparer" if role == "preparer" else "reviewer"].notna() & ~current[
                    "edited_after_review"].fillna(False).astype(bool)
                chosen = current.loc[current["verdict"].notna() & ~signed, "check_id"].tolist()
            for check in chosen:
                store.signoff(check, role)
            click.echo(f"Signed off {len(chosen)} checks as {role} for {store.user} in {store.url}")


@main.command("workpapers")
@case_inputs
@store_option
@click.option("--open", "only_open", is_flag=True, help="Only the open list: checks without a settled verdict "
              "(open, or due a re-review).")
@output_options
def workpapers_cmd(paths: tuple[Path, ...], contracts: Path | None, evidence: Path | None, employers: Path | None,
                   return_files: tuple[str, ...], as_of: dt.datetime | None, store_url: str | None, only_open: bool,
                   fmt: str | None, out: Path | None, reveal: bool) -> None:
    """The workpapers of the case: every check (finding or walk-through stage) with its verdict, note, status
    (open, done, re-review, resolved) and sign-offs, the store synced with the case first. CSV, JSON and XLSX
    give one row per check (XLSX also the history); personal values in the findings' messages are masked.

    Example: auditkit workpapers samples --open --format csv
    """
    from auditkit.workpapers import case_workpapers, open_store

    output = Output.of(fmt, out)
    with input_errors():
        case = open_from_options(paths, contracts, evidence, employers, return_files, as_of)
        with open_store(case, store_url) as store:
            output.revealed(reveal, "workpapers")
            frame = case_workpapers(case, store, reveal=reveal, reason="--reveal")
            if only_open:
                frame = frame[frame["status"].isin(["open", "re-review"])].reset_index(drop=True)
            notes = output.notes([f"workpapers: {store.url}"])
            output.write(frame, lambda: notes + workpapers_table(frame), "checks",
                         sheets={"workpapers": frame, "history": store.history()})


@main.command("sample")
@case_inputs
@store_option
@click.option("--method", type=click.Choice(["random", "stratified", "mus"]), default="random", show_default=True,
              help="Simple random, stratified, or monetary unit sampling over the pounds claimed.")
@click.option("--size", type=click.IntRange(1), help="Items to draw (or give --materiality to plan the size).")
@click.option("--materiality", help="Performance materiality: a fraction (0.05), a percentage (5%) or pounds "
              "(£20,000) of what the population claims; plans the size (Poisson for mus, else hypergeometric).")
@click.option("--expected-error", type=float, default=0.0, show_default=True,
              help="Expected errors for planning: a fraction of the sample, or a count when 1 or more.")
@click.option("--unit", type=click.Choice(["learner", "aim"]), default="learner", show_default=True)
@click.option("--strata", help="Stratify by these, comma-separated: ukprn, milestone, learner_type, severity, risk.")
@click.option("--allocation", type=click.Choice(["proportional", "neyman"]), default="proportional",
              show_default=True)
@click.option("--selection", type=click.Choice(["fixed", "cell"]), default="fixed", show_default=True,
              help="Monetary unit sampling: a fixed interval from a random start, or a random point per cell.")
@click.option("--seed", type=int, help="The random seed (recorded; the same seed draws the same sample). "
              "Default: chosen at random and printed.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
def sample_cmd(paths: tuple[Path, ...], contracts: Path | None, evidence: Path | None, employers: Path | None,
               return_files: tuple[str, ...], as_of: dt.datetime | None, store_url: str | None, method: str,
               size: int | None, materiality: str | None, expected_error: float, unit: str, strata: str | None,
               allocation: str, selection: str, seed: int | None, fmt: str) -> None:
    """Draw an audit sample of the case's claims, record it in the workpaper store (method, parameters, seed,
    items) and print it.

    Example: auditkit sample samples --method mus --materiality 5% --seed 2024
    """
    from auditkit.sampling import PlanningError, SamplingError
    from auditkit.workpapers import open_store
    from auditkit.workpapers.samples import record_sample

    if (size is None) == (materiality is None):
        raise click.UsageError("give --size N or --materiality M")
    with input_errors():
        case = open_from_options(paths, contracts, evidence, employers, return_files, as_of)
        try:
            drawn = case.draw_sample(method, size, seed, materiality=materiality, expected_error=expected_error,
                                     unit=unit, strata=[s.strip() for s in (strata or "").split(",") if s.strip()],
                                     allocation=allocation, selection=selection)
        except (SamplingError, PlanningError) as error:
            raise InputError(str(error)) from error
        with open_store(case, store_url) as store:
            store.sync(case)
            sample_id = record_sample(store, drawn)
        shown = drawn.items[["rank", "item", "stratum", "selected_by", "hits", "book_value", "amount_due"]]
        if fmt == "csv":
            click.echo(to_csv(shown), nl=False)
        elif fmt == "json":
            click.echo(to_json(shown), nl=False)
        else:
            click.echo(f"Sample {sample_id}: {drawn.describe()}\n")
            click.echo(shown.to_string(index=False))
            click.echo(f"\nRecorded in {store.url}. Walk through it in the notebooks, then: auditkit evaluate CASE "
                       f"--sample {sample_id}")


@main.command("evaluate")
@case_inputs
@store_option
@click.option("--sample", "sample_id", type=int, help="The sample's id (default: the latest recorded).")
@click.option("--estimator", type=click.Choice(["difference", "ratio", "mean-per-unit"]), default="difference",
              show_default=True, help="Record and stratified samples: how the errors are projected.")
@click.option("--confidence", type=click.FloatRange(0.5, 0.999), default=0.95, show_default=True)
def evaluate_cmd(paths: tuple[Path, ...], contracts: Path | None, evidence: Path | None, employers: Path | None,
                 return_files: tuple[str, ...], as_of: dt.datetime | None, store_url: str | None,
                 sample_id: int | None, estimator: str, confidence: float) -> None:
    """Project the misstatements found in a recorded sample (from the verdicts on its learners' stages) onto the
    population: the Stringer and Poisson bounds for monetary unit samples, an interval for the others.

    Example: auditkit evaluate samples --sample 1
    """
    from auditkit.case.sampling import evaluate_case_sample
    from auditkit.sampling import SamplingError
    from auditkit.workpapers import open_store
    from auditkit.workpapers.samples import load_sample, sample_misstatements

    with input_errors():
        case = open_from_options(paths, contracts, evidence, employers, return_files, as_of)
        with open_store(case, store_url) as store:
            store.sync(case)
            drawn = load_sample(store, sample_id)
            wrong = sample_misstatements(case, store, drawn)
        try:
            result = evaluate_case_sample(drawn, wrong, confidence=confidence, estimator=estimator)
        except SamplingError as error:
            raise InputError(f"sample {drawn.id}: {error}") from error
        click.echo(f"Sample {drawn.id}: {drawn.describe()}")
        click.echo(f"Misstated items: {int((wrong > 0).sum())} of {len(wrong)}, £{float(wrong.sum()):,.2f}")
        click.echo(result.conclusion)


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
    """Regenerate the reference docs (frames.md, parquet.md, rules.md, anomalies.md) from the code.

    Example: auditkit docs --out docs
    """
    from auditkit.anomalies.docs import anomalies_markdown
    from auditkit.rules.docs import rules_markdown
    from auditkit.views.docs import frames_markdown
    from auditkit.views.parquet_docs import parquet_markdown

    out.mkdir(parents=True, exist_ok=True)
    for name, text in (("frames.md", frames_markdown()), ("parquet.md", parquet_markdown()),
                       ("rules.md", rules_markdown()),
                       ("anomalies.md", anomalies_markdown())):
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
        raise CaseError(str(exc)) from exc
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
@click.argument("case", required=False, type=click.Path(exists=True, path_type=Path), default=Path("."))
def lab(case: Path) -> None:
    """Open JupyterLab on the notebooks, with CASE (default: this folder) as their case. The notebooks are copied
    into CASE/.auditkit/notebooks the first time (your edits there are kept).

    Example: auditkit lab samples
    """
    from auditkit.widgets.launch import case_environment, case_notebooks, lab_command

    folder = case_notebooks(case)
    click.echo(f"JupyterLab on {folder} (case {case})")
    _become(lab_command(folder), case_environment(case))


@main.command()
@click.argument("case", type=click.Path(exists=True, path_type=Path))
@click.option("--port", type=click.IntRange(1, 65535), default=8866, show_default=True,
              help="Port on localhost (the app listens on 127.0.0.1 only).")
@click.option("--open", "open_browser", is_flag=True, help="Open the app in the browser.")
def app(case: Path, port: int, open_browser: bool) -> None:
    """Serve the walk-through, the QA visit and the KPI trends of CASE as a Voila app on localhost.

    Example: auditkit app samples --port 8866
    """
    from auditkit.widgets.launch import case_environment, case_notebooks, voila_command

    folder = case_notebooks(case)
    click.echo(f"auditkit app on http://127.0.0.1:{port}/ (case {case}); Ctrl-C stops it")
    _become(voila_command(folder, port, open_browser=open_browser), case_environment(case))


def _become(command: list[str], env: dict[str, str]) -> None:
    """Run ``command`` in place of this process (so that a signal to stop it reaches the server itself, which then
    stops its kernels); where a process cannot be replaced, run it and wait."""
    import os

    sys.stdout.flush()
    if hasattr(os, "execve") and os.name == "posix":
        os.execve(command[0], command, env)
    raise SystemExit(subprocess.call(command, env=env))


if __name__ == "__main__":  # pragma: no cover
    main()
