"""The learner walk-through: choose a provider and learner, or step through a sample; for each bootcamp aim the
stages eligibility -> co-funding -> delivery -> completion and interview (M2) -> job offer (M3), each with the ILR
facts, the evidence present, missing and suspect, the findings and the money, and a verdict and note saved to the
workpaper store at once (:func:`auditkit.views.walkthrough.learner_walk` computes what is shown).

The widgets are built once and only their values change from learner to learner, so switching stays quick.
"""

from __future__ import annotations

import html
import time
from typing import cast

import ipywidgets as w
import pandas as pd
import plotly.graph_objects as go

from auditkit.case import Case
from auditkit.frames.workpapers import STAGES, VERDICTS
from auditkit.report.display import STYLE, ReportPage
from auditkit.sampling import Sample
from auditkit.sampling.population import item_learner
from auditkit.views.timeline import timeline_chart, timeline_events
from auditkit.views.walkthrough import AimWalk, StagePanel, learner_walk
from auditkit.widgets.base import App
from auditkit.widgets.keys import KeyNav
from auditkit.workpapers import Store

_STATUS_COLOURS = {"complete": "#1b7837", "not required": "#777", "not yet due": "#777", "missing": "#b2182b",
                   "suspect": "#e08214"}
_FLAG = '<b style="color:#e08214">⚑ {}</b>'
#: The personal columns the reveal button shows.
PERSONAL_SHOWN = ["given_names", "family_name", "date_of_birth", "ni_number", "postcode", "email", "tel_number"]


def sample_learners(sample: Sample) -> list[tuple[int, str]]:
    """The sample's learners (provider, LearnRefNumber), in the order they were drawn, each once."""
    return list(dict.fromkeys(item_learner(item) for item in sample.items.sort_values("rank")["item"]))


def saved_text(saved: dict[str, object]) -> str:
    """The saved state of a stage, as shown beside its Save button."""
    if not saved.get("verdict"):
        return '<i class="saved">no verdict yet</i>'
    at = saved.get("recorded_at")
    when = pd.Timestamp(str(at)).strftime("%d %b %Y %H:%M") if at else ""
    return (f'<span class="saved">saved: <b>{html.escape(str(saved["verdict"]))}</b> by '
            f"{html.escape(str(saved.get('user', '')))} {when}</span>{marks(saved)}")


def marks(saved: dict[str, object]) -> str:
    """The flags of a stored check: carried from an earlier return, due a re-review, resolved, edited after
    review."""
    found = []
    first, last = saved.get("first_return"), saved.get("last_return")
    if saved.get("verdict") and first and last and first != last:
        found.append(f"carried from an earlier return ({first})")
    if saved.get("status") == "re-review":
        found.append("needs re-review: the values it rests on changed")
    if saved.get("status") == "resolved":
        found.append(f"resolved in {saved.get('resolved_in')}")
    if saved.get("edited_after_review"):
        found.append("edited after review")
    return "".join(" " + _FLAG.format(html.escape(f)) for f in found)


def stage_html(p: StagePanel) -> str:
    """What one stage rests on: status and money, ILR facts, evidence present, missing and suspect, findings."""
    colour = _STATUS_COLOURS.get(p.status, "#333")
    parts = [f'<div class="stage stage-{p.stage}"><b>{html.escape(p.title)}</b> &nbsp; '
             f'<span style="color:{colour};font-weight:bold">{html.escape(p.status)}</span> &nbsp; '
             f"claimed £{p.claimed:,.2f}, earned £{p.earned:,.2f}, at risk £{p.at_risk:,.2f}"]
    if p.facts:
        facts = "; ".join(f"{html.escape(str(k))}: {html.escape(str(v))}" for k, v in p.facts.items())
        parts.append(f"<div><i>ILR:</i> {facts}</div>")
    for label, items in (("missing", p.missing), ("suspect", p.suspect)):
        if items:
            shown = "".join(f"<li>{html.escape(str(i))}</li>" for i in items)
            parts.append(f"<div><i>{label}:</i><ul>{shown}</ul></div>")
    if len(p.documents):
        parts.append("<div><i>documents:</i></div>" + ReportPage().table(p.documents))
    elif p.present:
        parts.append(f"<div><i>present:</i> {html.escape(', '.join(p.present))}</div>")
    if len(p.findings):
        parts.append(ReportPage().table(p.findings[["rule_id", "severity", "field", "value", "message"]]))
    for check in p.finding_checks:
        verdict = check.get("verdict")
        said = (f"{html.escape(str(verdict))}: {html.escape(str(check.get('note') or ''))}" if verdict
                else "no verdict yet")
        parts.append(f'<div class="finding-check">{html.escape(str(check.get("rule_id")))} '
                     f"({html.escape(str(check.get('field') or ''))}): {said}{marks(check)}</div>")
    return "".join(parts) + "</div>"


class StageBox:
    """The widgets of one stage, kept across learners: what it rests on, its verdict, note and saved state."""

    def __init__(self, app: Walkthrough, stage: str) -> None:
        self.app = app
        self.panel: StagePanel | None = None
        self.content = w.HTML()
        self.verdict = w.ToggleButtons(options=list(VERDICTS), value=None, style={"button_width": "110px"})
        self.note = w.Textarea(placeholder="Note (what you saw, what is missing)",
                               layout=w.Layout(width="98%", height="60px"))
        self.save = w.Button(description="Save", button_style="primary", icon="check")
        self.state = w.HTML()
        self.save.on_click(app.guarded(lambda _: self.store()))
        for widget, name in ((self.save, "save"), (self.note, "note"), (self.verdict, "verdict"),
                             (self.state, "state")):
            widget.add_class(f"{name}-{stage}")
        self.view = w.VBox([self.content, self.verdict, self.note, w.HBox([self.save, self.state])])

    def load(self, panel: StagePanel) -> None:
        """Show ``panel`` (a stage of the learner now shown) in these widgets."""
        self.panel = panel
        self.content.value = stage_html(panel)
        self.verdict.value = panel.saved.get("verdict") or None
        self.note.value = str(panel.saved.get("note") or "")
        self.state.value = saved_text(panel.saved)

    def store(self) -> None:
        """Save the verdict and note; the saved state shown is read back from the store (what was committed)."""
        if self.panel is None:
            return
        if self.verdict.value is None:
            self.app.say("Choose a verdict (pass, fail, query or not applicable) before saving.")
            return
        self.app.record(self.panel.check_id, str(self.verdict.value), self.note.value)
        self.panel.saved = self.app.saved_of(self.panel.check_id)
        self.state.value = saved_text(self.panel.saved)


class AimBox:
    """The widgets of one bootcamp aim: its title and a :class:`StageBox` per stage, kept across learners."""

    def __init__(self, app: Walkthrough) -> None:
        self.title = w.HTML()
        self.stages = {stage: StageBox(app, stage) for stage in STAGES}
        self.view = w.VBox([self.title, *[b.view for b in self.stages.values()]])

    def load(self, walk: AimWalk) -> None:
        self.title.value = (f'<h4 class="aim-title">Bootcamp {html.escape(walk.bootcamp_aim)} from '
                            f"{walk.start:%d %b %Y} ({html.escape(walk.learner_type)})</h4>")
        for panel in walk.stages:
            self.stages[panel.stage].load(panel)


class Walkthrough(App):
    """``Walkthrough(case, sample=None, store=None, provider=None)``: the walk-through of the case's learners (of
    one provider), or of a sample's (next / previous, and the keys n / p). The store defaults to the case's
    (:attr:`auditkit.Case.store`)."""

    def __init__(self, case: Case, sample: Sample | None = None, store: Store | None = None,
                 provider: int | None = None) -> None:
        super().__init__()
        self.case = case
        self.store_: Store = store if store is not None else cast(Store, case.store)  # type: ignore[attr-defined]
        self.sample = sample
        if sample is not None:
            self.order = sample_learners(sample)
        else:
            keys = case.context.learners[["ukprn", "learn_ref_number"]].drop_duplicates()
            self.order = [(int(u), str(r)) for u, r in keys.sort_values(["ukprn", "learn_ref_number"])
                          .itertuples(index=False)]
        if provider is not None:
            self.order = [k for k in self.order if k[0] == int(provider)]
        self.provider = w.Dropdown(options=sorted({u for u, _ in self.order}), description="Provider")
        self.learner_pick = w.Dropdown(options=[], description="Learner")
        self.previous = w.Button(description="Previous", icon="arrow-left")
        self.next = w.Button(description="Next", icon="arrow-right")
        self.next.add_class("next-learner")
        self.position = w.HTML()
        self.keys = KeyNav()
        self.reason = w.Text(placeholder="why you need to see personal data", layout=w.Layout(width="280px"))
        self.reveal = w.Button(description="Reveal personal data", button_style="warning", icon="eye")
        self.header = w.HTML()
        self.header.add_class("learner-header")
        self.personal = w.HTML()
        self.timeline = w.Box()
        self.figure: go.FigureWidget | None = None
        self.aims = w.VBox()
        self.aim_boxes: list[AimBox] = []
        self.stage_boxes: list[StageBox] = []
        self.shown: tuple[int, str] | None = None
        self.last_switch_ms = 0.0
        self._updating = False
        self.provider.observe(self.guarded(self._provider_changed), names="value")
        self.learner_pick.observe(self.guarded(self._learner_changed), names="value")
        self.previous.on_click(self.guarded(lambda _: self.step(-1)))
        self.next.on_click(self.guarded(lambda _: self.step(1)))
        self.keys.observe(self.guarded(lambda _: self.step(1 if self.keys.action == "next" else -1)), names="presses")
        self.reveal.on_click(self.guarded(lambda _: self.reveal_personal()))
        nav = w.HBox([self.provider, self.learner_pick, self.previous, self.next, self.position])
        self.view = w.VBox([w.HTML(STYLE), nav, self.keys, self.header, w.HBox([self.reason, self.reveal]),
                            self.personal, self.timeline, self.aims, self.status, self.log])
        self.view.add_class("auditkit-walkthrough")
        if self.order:
            self.guarded(self.show)(*self.order[0])

    # -- navigation ----------------------------------------------------------------------------------------------
    def _provider_changed(self, change: dict[str, object]) -> None:
        if self._updating:
            return
        first = next((k for k in self.order if k[0] == change["new"]), None)
        if first:
            self.show(*first)

    def _learner_changed(self, change: dict[str, object]) -> None:
        if self._updating or change["new"] is None or self.provider.value is None:
            return
        self.show(int(self.provider.value), str(change["new"]))

    def step(self, by: int) -> None:
        """Show the next (``by=1``) or previous learner of the order."""
        if not self.order:
            return
        at = self.order.index(self.shown) if self.shown in self.order else -1
        self.show(*self.order[(at + by) % len(self.order)])

    # -- showing a learner ----------------------------------------------------------------------------------------
    def show(self, ukprn: int, learn_ref_number: str) -> None:
        """Show one learner: header, timeline, each bootcamp aim's stages with their saved verdicts."""
        started = time.perf_counter()
        learner = self.case.learner(ukprn, learn_ref_number)
        saved, _ = self.store_.learner(ukprn, learn_ref_number)
        walks = learner_walk(self.case, learner, saved)
        self.shown = (ukprn, learn_ref_number)
        self._updating = True
        try:
            self.provider.value = ukprn
            options = tuple(r for u, r in self.order if u == ukprn)
            if tuple(self.learner_pick.options) != options:  # resending the same options redraws the list
                self.learner_pick.options = options
            self.learner_pick.value = learn_ref_number
        finally:
            self._updating = False
        at = self.order.index(self.shown) + 1 if self.shown in self.order else 0
        self.position.value = f"{at} of {len(self.order)} {'sampled learners' if self.sample else 'learners'}"
        record = learner.records.iloc[0] if len(learner.records) else pd.Series(dtype=object)
        self.header.value = (f'<h3 class="learner-title">{ukprn} / {html.escape(learn_ref_number)}</h3>'
                             f"ULN {html.escape(str(record.get('uln', '')))}, born "
                             f"{html.escape(str(record.get('date_of_birth', '')))}, "
                             f"{len(learner.findings)} findings")
        self.personal.value = ""
        self._draw_timeline(timeline_chart(timeline_events(learner), title="Timeline (hover for details)"))
        while len(self.aim_boxes) < len(walks):
            self.aim_boxes.append(AimBox(self))
        for box, walk in zip(self.aim_boxes, walks, strict=False):
            box.load(walk)
        shown = tuple(b.view for b in self.aim_boxes[:len(walks)])
        if tuple(self.aims.children) != shown:  # only when the number of aims changes: the boxes are reused
            self.aims.children = shown
        self.stage_boxes = [b for box in self.aim_boxes[:len(walks)] for b in box.stages.values()]
        self.last_switch_ms = (time.perf_counter() - started) * 1000
        self.say(f"{learn_ref_number}: {sum(len(wk.stages) for wk in walks)} stages.")

    def _draw_timeline(self, fig: go.Figure) -> None:
        """The timeline in one figure widget, updated in place (a new widget per learner is slow): the chart has
        one trace per lane, always, so each trace's points and the layout's shapes are replaced."""
        if self.figure is None or len(self.figure.data) != len(fig.data):
            self.figure = go.FigureWidget(fig)
            self.timeline.children = [self.figure]
            return
        with self.figure.batch_update():
            for shown, new in zip(self.figure.data, fig.data, strict=True):
                shown.update(x=new.x, y=new.y, text=new.text, hovertext=new.hovertext, customdata=new.customdata,
                             textposition=new.textposition, showlegend=new.showlegend, mode=new.mode)
            self.figure.layout.shapes = fig.layout.shapes
            self.figure.layout.annotations = fig.layout.annotations
            self.figure.layout.height = fig.layout.height

    def reveal_personal(self) -> None:
        """Show the learner's personal values: needs a reason, and the store logs who, when, which and why."""
        if self.shown is None:
            return
        shown = self.store_.reveal_learner(self.case, *self.shown, self.reason.value)
        columns = [c for c in PERSONAL_SHOWN if c in shown.records.columns]
        self.personal.value = ReportPage().table(shown.records[columns].drop_duplicates())
        self.say("Personal data shown; the reveal is logged in the workpaper store.")

    # -- the store ------------------------------------------------------------------------------------------------
    def record(self, check: str, verdict: str, note: str) -> None:
        self.store_.record(check, verdict, note)
        self.say(f"Saved {verdict}.")

    def saved_of(self, check: str) -> dict[str, object]:
        rows = self.store_.current_rows(checks=[check])
        return dict(rows[0]) if rows else {}
