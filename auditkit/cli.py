"""The ``auditkit`` command line: a thin click layer over the library."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pandas as pd

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
    from auditkit.frames.docs import frames_markdown

    out.mkdir(parents=True, exist_ok=True)
    (out / "frames.md").write_text(frames_markdown(), encoding="utf-8")
    click.echo(f"Wrote {out / 'frames.md'}")


@main.command()
@click.argument("folder", required=False, type=click.Path(path_type=Path), default=Path("notebooks"))
def lab(folder: Path) -> None:
    """Open JupyterLab on the notebooks.

    Example: auditkit lab
    """
    raise SystemExit(subprocess.call([sys.executable, "-m", "jupyter", "lab", str(folder)]))


if __name__ == "__main__":  # pragma: no cover
    main()
