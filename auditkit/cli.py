"""The ``auditkit`` command line: a thin click layer over the library."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pandas as pd

from auditkit.check import CheckResult, check_case, fails, filter_severity, summary_by_provider
from auditkit.privacy import mask_frame
from auditkit.readers.discover import InputError, find_case
from auditkit.readers.ilr import ILRData, read_ilr
from auditkit.summaries import returns_overview


def _fail(exc: Exception) -> click.ClickException:
    return click.ClickException(str(exc))


@click.group()
@click.version_option(package_name="auditkit")
def main() -> None:
    """auditkit: audit Skills Bootcamp funding claims from ILR returns and evidence."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
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
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--contracts", type=click.Path(exists=True, path_type=Path),
              help="Contracts file (default: contracts.toml found in the case folder).")
@click.option("--postcodes", type=click.Path(exists=True, path_type=Path),
              help="ONS postcode directory CSV, for exact WMCA residency checks.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--severity", type=SEVERITY_CHOICE, help="Only findings at least this severe.")
@click.option("--rule", "rule_ids", multiple=True, help="Only these rule ids (repeatable).")
@click.option("--all-returns", is_flag=True, help="Check every snapshot, not only the latest return of each "
              "provider and year.")
@click.option("--out", type=click.Path(path_type=Path), help="Write the findings to this file instead of stdout.")
@click.option("--fail-on", type=SEVERITY_CHOICE, help="Exit with status 1 when findings this severe exist.")
@click.option("--reveal", is_flag=True, help="Show personal data unmasked (a deliberate act).")
def check(paths: tuple[Path, ...], contracts: Path | None, postcodes: Path | None, fmt: str, severity: str | None,
          rule_ids: tuple[str, ...], all_returns: bool, out: Path | None, fail_on: str | None, reveal: bool) -> None:
    """Check ILR returns against the WMCA Wave 5 rules and list the findings.

    Example: auditkit check samples --severity no-pay
    """
    try:
        result = check_case(paths, contracts=contracts, postcodes=postcodes, rules=list(rule_ids) or None,
                            all_returns=all_returns)
    except (InputError, ValueError) as exc:
        raise _fail(exc) from exc
    if reveal:
        click.echo("Personal data is shown unmasked (--reveal).", err=True)
    findings = mask_frame(filter_severity(result.findings, severity), reveal=reveal)
    if fmt == "csv":
        text = findings.to_csv(index=False)
    elif fmt == "json":
        text = findings.to_json(orient="records", indent=2) + "\n"
    else:
        text = _findings_table(findings, summary_by_provider(findings, result.contracts), result)
    if out:
        out.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {len(findings)} findings to {out}", err=True)
    else:
        click.echo(text, nl=False)
    if fail_on and fails(result.findings, fail_on):
        raise SystemExit(1)


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
