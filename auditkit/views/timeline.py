"""A learner's timeline: the dates each bootcamp's funding rests on, the evidence documents, the findings.

:func:`timeline_events` gives one row per dated event (pure, tested without a browser); :func:`timeline_chart`
draws them with plotly, one row of the chart per bootcamp aim and kind of event, the six-month outcome window
shaded. People would rather look than read: a letter dated after the claim, or created as a PDF weeks after the
date it bears, shows at a glance.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from auditkit.case.learners import Learner
from auditkit.reference.wave5 import M2_COMPLETION_PERCENT, M3_MONTHS, destination_deadline, m1_date, m3_deadline

TIMELINE_COLUMNS = ["bootcamp", "lane", "event", "date", "detail"]
#: Lanes of the chart, top to bottom.
LANES = ("bootcamp", "milestones", "evidence", "findings")
_SYMBOLS = {"bootcamp": "circle", "milestones": "diamond", "evidence": "square", "findings": "x"}


def eighty_percent_day(start: pd.Timestamp, plan_end: pd.Timestamp) -> pd.Timestamp | None:
    """The first day on which the bootcamp has run :data:`M2_COMPLETION_PERCENT` of its planned days (as
    :func:`auditkit.reference.wave5.completed_enough` counts them: whole days, exactly 80% passes)."""
    if pd.isna(start) or pd.isna(plan_end):
        return None
    planned = (pd.Timestamp(plan_end).normalize() - pd.Timestamp(start).normalize()).days
    return pd.Timestamp(start).normalize() + pd.Timedelta(days=-(-M2_COMPLETION_PERCENT * planned // 100))


def _pounds(value: object) -> str:
    """``£1,234.56``, or ``£? (no price)`` for an unpriced milestone."""
    return "£? (no price)" if value is None or pd.isna(value) else f"£{float(value):,.2f}"  # type: ignore[arg-type]


def timeline_events(learner: Learner) -> pd.DataFrame:
    """One row per dated event of ``learner`` (:data:`TIMELINE_COLUMNS`), sorted by bootcamp and date."""
    rows: list[dict[str, object]] = []
    for bc in learner.bootcamps.itertuples(index=False):
        name = f"{bc.learn_aim_ref} from {pd.Timestamp(bc.learn_start_date):%d %b %Y}" \
            if not pd.isna(bc.learn_start_date) else str(bc.learn_aim_ref)

        def add(lane: str, event: str, day: object, detail: str = "", _name: str = name) -> None:
            if day is not None and not pd.isna(day):
                rows.append({"bootcamp": _name, "lane": lane, "event": event, "date": pd.Timestamp(day),
                             "detail": detail})

        start = pd.Series([bc.learn_start_date], dtype="datetime64[ns]")
        end = pd.Series([bc.learn_act_end_date], dtype="datetime64[ns]")
        add("bootcamp", "start", bc.learn_start_date, "LearnStartDate")
        add("bootcamp", "day 14 (M1 earned)", m1_date(start).iloc[0], "LearnStartDate + 14 days")
        add("bootcamp", f"{M2_COMPLETION_PERCENT}% of planned days",
            eighty_percent_day(bc.learn_start_date, bc.learn_plan_end_date), "the least that earns M2")
        add("bootcamp", "planned end", bc.learn_plan_end_date, "LearnPlanEndDate")
        add("bootcamp", "actual end", bc.learn_act_end_date, "LearnActEndDate")
        add("bootcamp", "destination due", destination_deadline(end).iloc[0], "actual end + 2 months")
        add("bootcamp", f"latest M3 ({M3_MONTHS} months)", m3_deadline(end).iloc[0],
            "the latest M3 date")
        ms = learner.milestones
        mine = ms[(ms["bootcamp_aim"] == bc.learn_aim_ref)
                  & (ms["learn_start_date"] == bc.learn_start_date)] if len(ms) else ms
        for m in mine.itertuples(index=False):
            if bool(m.claimed):
                money = (f"claimed {_pounds(m.amount_claimed)}, earned {_pounds(m.amount_due)}")
                state = "earned" if bool(m.earned) else f"not earned ({m.blocked_by})"
                add("milestones", f"{m.milestone} claimed", m.milestone_date, f"{state}; {money}")
        docs = learner.documents
        docs = docs[docs["bc"] == bc.bc] if "bc" in docs and len(docs) else docs
        for d in docs.itertuples(index=False):
            what = f"{d.evidence_type}" + (f" from {d.employer}" if not pd.isna(d.employer) else "")
            add("evidence", f"{d.stage}: {d.evidence_type}", d.document_date, f"document date; {what}")
            if not pd.isna(d.pdf_created) and not pd.isna(d.document_date) \
                    and pd.Timestamp(d.pdf_created).normalize() > pd.Timestamp(d.document_date).normalize():
                add("evidence", f"PDF created: {d.evidence_type}", d.pdf_created,
                    f"PDF created {pd.Timestamp(d.pdf_created):%d %b %Y}, after the date it bears")
    for f in learner.findings.itertuples(index=False):
        day = pd.to_datetime(pd.Series([f.value], dtype="string"), errors="coerce", format="%Y-%m-%d").iloc[0]
        if not pd.isna(day):
            rows.append({"bootcamp": rows[0]["bootcamp"] if rows else "", "lane": "findings",
                         "event": f"{f.rule_id} ({f.severity})", "date": day, "detail": str(f.message)})
    out = pd.DataFrame(rows, columns=TIMELINE_COLUMNS)
    out["date"] = pd.to_datetime(out["date"])
    return out.sort_values(["bootcamp", "date"], kind="stable").reset_index(drop=True)


def timeline_chart(events: pd.DataFrame, title: str = "Learner timeline") -> go.Figure:
    """The events of :func:`timeline_events` on a date axis: a row per bootcamp and lane, the outcome window
    (actual end to the latest M3 date) shaded."""
    fig = go.Figure()
    for lane in LANES:  # one trace per lane, empty or not, in a fixed order: a shown chart updates in place
        got = events[events["lane"] == lane]
        labelled = lane in ("bootcamp", "milestones")  # evidence is too dense to label: hover shows it
        fig.add_scatter(x=got["date"].dt.strftime("%Y-%m-%d").tolist(), y=(got["bootcamp"] + " · " + lane).tolist(),
                        name=lane, mode="markers+text" if labelled else "markers",
                        marker={"symbol": _SYMBOLS[lane], "size": 11},
                        text=got["event"].tolist() if labelled else None,
                        textposition=["top center" if i % 2 == 0 else "bottom center" for i in range(len(got))],
                        textfont={"size": 10}, hovertext=got["event"].tolist(), customdata=got["detail"].tolist(),
                        hovertemplate="%{hovertext}<br>%{x|%d %b %Y}<br>%{customdata}<extra></extra>",
                        showlegend=len(got) > 0)
    for _, got in events.groupby("bootcamp", sort=False):
        end = got.loc[got["event"] == "actual end", "date"]
        close = got.loc[got["event"].str.startswith("latest M3"), "date"]
        if len(end) and len(close):
            fig.add_vrect(x0=end.iloc[0], x1=close.iloc[0], fillcolor="LightSkyBlue", opacity=0.2, line_width=0,
                          annotation_text="outcome window", annotation_position="bottom right")
    fig.update_layout(title=title, xaxis={"title": "date", "type": "date"}, yaxis={"autorange": "reversed"},
                      legend_title="event", width=1100,
                      height=max(260, 90 * events[["bootcamp", "lane"]].drop_duplicates().shape[0] + 120))
    return fig
