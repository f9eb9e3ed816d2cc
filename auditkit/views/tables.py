"""The terminal tables of the commands: findings, milestones, KPIs, their trends and changes, what was loaded.

Each is a function of a :class:`~auditkit.case.Case` (and the frame the command shows) giving the text the command
prints; ``width`` is the terminal's width. Personal values come masked in the frames given.
"""

from __future__ import annotations

import textwrap
from typing import cast

import pandas as pd

from auditkit.case import Case
from auditkit.facts.scope import read_problem_returns
from auditkit.funding.milestones import BLOCK_REASONS
from auditkit.measures.changes import summary as change_summary
from auditkit.measures.kpis import KPI_BY_ID, KPIResult
from auditkit.measures.trends import snapshot_label
from auditkit.views.notes import wrap
from auditkit.views.summaries import returns_overview

#: Headings of the funding columns in the terminal tables.
MONEY_HEADINGS = {"amount_claimed": "claimed £", "amount_due": "earned £", "at_risk": "at risk (ILR) £",
                  "not_yet_due": "of which not yet due £", "at_risk_evidence": "at risk (evidence) £"}


def money(value: object) -> str:
    """Pounds with thousands separators and pence (``1,234.50``); empty for a missing value."""
    return "" if value is None or pd.isna(value) else f"{value:,.2f}"


def blocks(rows: pd.DataFrame, head: list[str], body: str, width: int, *, label: str = "") -> list[str]:
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
                lines += wrap(part, width, 6)
    return lines


# -- auditkit load -------------------------------------------------------------------------------------------

def load_summary(case: Case) -> dict[str, object]:
    """What ``auditkit load --format json`` says: counts, the inputs found, each return, problems, warnings."""
    import json

    data = case.loaded
    summary: dict[str, object] = data.summary()
    summary["case"] = {k: str(v) if v else None for k, v in vars(case.files).items() if k != "ilr"}
    summary["returns_detail"] = json.loads(returns_overview(data).to_json(orient="records", date_format="iso"))
    summary["read_problems"] = json.loads(read_problem_returns(data).to_json(orient="records"))
    summary["warnings"] = case.scope_warnings
    return summary


def load_text(case: Case, show_problems: int, width: int) -> str:
    """What ``auditkit load`` prints: the returns read, the inputs found, warnings, the first problems."""
    data = case.loaded
    summary = data.summary()
    years, periods = cast(list[str], summary["years"]), cast(list[str], summary["periods"])
    lines = [f"Read {summary['returns']} returns from {summary['providers']} providers; "
             f"years {', '.join(years) or '-'}; periods {', '.join(periods) or '-'}.",
             f"  learners {summary['learners']}, aims {summary['deliveries']}, "
             f"destination records {summary['destinations']}, problems {summary['problems']}"]
    for label in ("contracts", "manifest", "documents", "employers"):
        value = getattr(case.files, label)
        if value:
            lines.append(f"  {label}: {value}")
    lines += [f"  not used: {skipped.path} {skipped.reason}" for skipped in case.files.skipped]
    lines.append("")
    overview = returns_overview(data)
    overview["file_preparation_date"] = overview["file_preparation_date"].dt.strftime("%Y-%m-%d")
    lines.append(overview.rename(columns={"learner_count": "learners", "delivery_count": "aims",
                                          "problem_count": "problems", "file_preparation_date": "prepared"})
                 .to_string(index=False))
    for line in case.scope_warnings:
        lines += ["", "\n".join(textwrap.wrap(f"Warning: {line}", width=width))]
    if show_problems and len(data.problems):
        lines += ["", f"Problems (first {min(show_problems, len(data.problems))} of {len(data.problems)}):"]
        masked = data.masked().problems.head(show_problems)
        for p in masked.itertuples(index=False):
            where = f"{p.file}:{p.line}" if not pd.isna(p.line) else str(p.file)
            who = f" learner {p.learn_ref_number}" if not pd.isna(p.learn_ref_number) else ""
            lines.append("\n".join(wrap(f"{p.severity}: {where}{who}: {p.message}", width, 2)))
    return "\n".join(lines) + "\n"


# -- auditkit check ------------------------------------------------------------------------------------------

def findings_table(case: Case, findings: pd.DataFrame, summary: pd.DataFrame, width: int) -> str:
    """The findings (masked, perhaps filtered) per provider, after their counts per provider and severity."""
    ctx = case.context
    scope = "every return" if ctx.data is case.data and len(ctx.all.returns) != len(
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
        lines += [*blocks(shown, ["rule", "severity", "learner", "aim", "field", "value"], "message", width), ""]
    example = str(findings["rule_id"].iloc[0])
    lines += textwrap.wrap(f"What a rule checks, why, and an example: auditkit rules --rule ID (e.g. auditkit "
                           f"rules --rule {example}).", width=width, break_on_hyphens=False)
    return "\n".join(lines) + "\n"


# -- auditkit milestones -------------------------------------------------------------------------------------

def _pounds(table: pd.DataFrame) -> pd.DataFrame:
    shown = table.rename(columns=MONEY_HEADINGS)
    for column in MONEY_HEADINGS.values():
        shown[column] = shown[column].map(money)
    return shown


def milestones_table(case: Case, frame: pd.DataFrame, summary: pd.DataFrame | None, width: int) -> str:
    """The funding per provider, then (``summary`` given) per provider, aim and milestone, or else the milestones
    claimed but not earned and those earned whose evidence has a no-pay finding, with what blocks them."""
    ctx = case.context
    scope = "every return" if ctx.data is ctx.all and len(ctx.all.returns) != len(
        ctx.all.latest().returns) else "the latest return of each provider and year"
    aims = len(frame) // 3
    lines = [f"{len(frame)} milestones of {aims} bootcamp aims on {scope} ({len(ctx.returns)} returns).", ""]
    if frame.empty:
        return "\n".join([*lines, "No bootcamp aims."]) + "\n"
    totals = case.funding_by_provider
    lines += ["Funding by provider (counts of milestones; pounds):", _pounds(totals).to_string(index=False), ""]
    if int(totals["unpriced"].sum()):
        lines += [f"{int(totals['unpriced'].sum())} claimed milestones have no contract price (no contract, or an "
                  "aim not allocated to the provider) and are left out of the pounds.", ""]
    if summary is not None:
        lines += ["By provider, bootcamp aim and milestone:", _pounds(summary).to_string(index=False), ""]
        return "\n".join(lines)
    risky = frame[frame["claimed"].astype(bool) & ~frame["earned"].astype(bool)]
    lines.append(f"Claimed but not earned ({len(risky)}):")
    for ukprn, rows in risky.groupby("ukprn", sort=True):
        lines.append(f"Provider {ukprn}:")
        table = rows.rename(columns={"learn_ref_number": "learner", "bootcamp_aim": "aim",
                                     "milestone_date": "date", "at_risk": "at risk £"})
        table["date"] = table["date"].dt.strftime("%Y-%m-%d")
        table["at risk £"] = table["at risk £"].map(money)
        lines += [*blocks(table, ["learner", "aim", "milestone", "date", "period", "at risk £"], "blocked_by",
                          width, label="blocked by: "), ""]
    held = frame[frame["evidence_blocked_by"].fillna("") != ""]
    if len(held):
        lines.append(f"Earned on the ILR, evidence with a no-pay finding ({len(held)}):")
        table = held.rename(columns={"learn_ref_number": "learner", "bootcamp_aim": "aim", "milestone_date": "date",
                                     "at_risk_evidence": "at risk (evidence) £"})
        table["date"] = table["date"].dt.strftime("%Y-%m-%d")
        table["at risk (evidence) £"] = table["at risk (evidence) £"].map(money)
        lines += [*blocks(table, ["ukprn", "learner", "aim", "milestone", "date", "at risk (evidence) £"],
                          "evidence_blocked_by", width, label="evidence findings: "), ""]
    used = {r for text in risky["blocked_by"].dropna() for r in str(text).split(",") if r in BLOCK_REASONS}
    if used:
        lines.append("blocked by: rule ids are findings (auditkit check; auditkit rules --rule ID explains each); "
                     "the other reasons are:")
        lines += [f"  {r}: {BLOCK_REASONS[r]}" for r in BLOCK_REASONS if r in used]
        lines.append("")
    return "\n".join(lines)


# -- auditkit kpis -------------------------------------------------------------------------------------------

def kpi_shown(value: object, unit: str) -> str:
    """A KPI value as the tables show it: a ratio as a percentage, a count as a number, ``-`` when missing."""
    if value is None or pd.isna(value):
        return "-"
    return f"{float(value) * 100:.1f}%" if unit == "ratio" else f"{float(value):g}"  # type: ignore[arg-type]


def kpi_table(result: KPIResult, with_evidence: bool, with_employers: bool) -> str:
    """The latest cumulative KPIs of each provider and bootcamp aim against their targets."""
    latest = result.latest()
    lines = [f"KPIs of {latest['ukprn'].nunique()} providers (latest return of each provider and year; evidence "
             f"{'loaded' if with_evidence else 'not loaded'}, employer register "
             f"{'loaded' if with_employers else 'not loaded'}).", ""]
    for note in result.notes:
        lines.append(f"Note: {note}")
    if result.notes:
        lines.append("")
    for ukprn, rows in latest.groupby("ukprn", sort=True):
        as_of = rows["as_of"].dropna()
        lines.append(f"Provider {ukprn}" + (f" (as of {as_of.iloc[0]:%Y-%m-%d}):" if len(as_of) else ":"))
        shown = pd.DataFrame({
            "aim": rows["bootcamp_aim"], "kpi": rows["kpi"],
            "numerator": rows["cumulative_numerator"].astype(object).fillna("-"),
            "denominator": rows["cumulative_denominator"].astype(object).fillna("-"),
            "value": [kpi_shown(v, KPI_BY_ID[k].unit) for v, k in zip(rows["cumulative_value"], rows["kpi"],
                                                                         strict=True)],
            "target": [("-" if pd.isna(t) else ("<= " if d == "at-most" else ">= ") + f"{t * 100:g}%")
                       for t, d in zip(rows["target"], rows["direction"], strict=True)],
            "status": rows["status"].astype(object).fillna("-")})
        lines += [shown.to_string(index=False), ""]
    return "\n".join(lines)


def kpi_trends_table(trends: pd.DataFrame) -> str:
    """Per provider, each KPI of each bootcamp aim as of each snapshot return (one column per snapshot)."""
    if trends.empty:
        return "No snapshot returns.\n"
    lines = [f"KPIs as of each snapshot return ({trends['return_id'].nunique()} returns).", ""]
    for ukprn, rows in trends.groupby("ukprn", sort=True):
        rows = rows.assign(snapshot=snapshot_label(rows),
                           shown=[kpi_shown(v, KPI_BY_ID[k].unit) for v, k in zip(rows["value"], rows["kpi"],
                                                                                   strict=True)])
        order = list(dict.fromkeys(rows.sort_values(["as_of", "ilr_year", "period"])["snapshot"]))
        table = rows.pivot_table(index=["bootcamp_aim", "kpi"], columns="snapshot", values="shown",
                                 aggfunc="first", sort=False).reindex(columns=order).fillna("")
        lines += [f"Provider {ukprn}:", table.to_string(), ""]
    return "\n".join(lines)


def kpi_changes_table(changes: pd.DataFrame) -> str:
    """The changes between consecutive returns: their counts, then each provider's, return pair by pair."""
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


def workpapers_table(frame: pd.DataFrame, limit: int = 200) -> str:
    """The workpapers as a table: counts by kind and status, then the findings and the stages with a verdict (at
    most ``limit`` rows; CSV, JSON and XLSX give them all)."""
    if frame.empty:
        return "No checks in the workpapers.\n"
    counts = frame.groupby(["kind", "status"]).size().unstack(fill_value=0)
    lines = [f"{len(frame)} checks: " + "; ".join(
        f"{kind} " + ", ".join(f"{n} {status}" for status, n in row.items() if n) for kind, row in counts.iterrows()),
        ""]
    shown = frame[(frame["kind"] == "finding") | frame["verdict"].notna()]
    table = shown.assign(what=shown["rule_id"].fillna(shown["stage"]),
                         flags=shown["edited_after_review"].map(lambda v: "edited after review" if v is True else ""))
    columns = ["check_id", "what", "ukprn", "learn_ref_number", "bootcamp_aim", "verdict", "status", "resolved_in",
               "user", "flags", "note"]
    text = table[columns].head(limit).fillna("").to_string(index=False, max_colwidth=40)
    more = [f"... {len(shown) - limit} more rows (use --format csv)"] if len(shown) > limit else []
    return "\n".join([*lines, text, *more]) + "\n"
