"""The workpaper store: verdicts, sign-offs, reveals and samples, never lost, carried across returns.

:func:`open_store` opens (and migrates) the store of a case; :meth:`Store.sync` brings the case's findings and
walk-through stages in (carrying verdicts across returns); :meth:`Store.record` records a verdict and gives its
history id once committed; :meth:`Store.current` is the ``workpapers`` frame.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from auditkit.case import Case
from auditkit.case.learners import Learner
from auditkit.frames.workpapers import (
    FINDING_VERDICTS,
    NOTE_REQUIRED,
    ROLES,
    VERDICTS,
    WORKPAPER_HISTORY,
    WORKPAPERS,
)
from auditkit.privacy import PERSONAL_COLUMNS
from auditkit.workpapers import schema as s
from auditkit.workpapers.engine import StoreError, create_store_engine, current_user, shown_url, store_url
from auditkit.workpapers.identity import finding_checks, latest_returns, stage_checks
from auditkit.workpapers.schema import migrate, utcnow

#: A read-only transaction on SQLite (does not take the write lock).
READ = {"sqlite_begin": "DEFERRED"}
_CHECK_FIELDS = ("check_id", "kind", "rule_id", "stage", "ukprn", "learner_key", "learn_ref_number", "uln",
                 "bootcamp_aim", "aim_start", "field", "fingerprint")


class Store:
    """A workpaper store on ``engine`` (migrated when opened), recording as ``user``."""

    def __init__(self, engine: sa.Engine, user: str | None = None) -> None:
        self.engine = engine
        self.user = current_user(user)
        try:
            migrate(engine)
        except sa.exc.OperationalError as exc:
            raise StoreError(f"{self.url}: cannot open the workpaper store ({_reason(exc)})") from exc

    @property
    def url(self) -> str:
        """The store's URL, its password hidden."""
        return shown_url(self.engine.url)

    @contextmanager
    def _writing(self, what: str) -> Iterator[None]:
        """A database that fails a write (disk full, read-only, server gone) is a :class:`StoreError` saying
        nothing was recorded (the transaction was rolled back)."""
        try:
            yield
        except sa.exc.OperationalError as exc:
            raise StoreError(f"{self.url}: {what} ({_reason(exc)})") from exc

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.url}, user={self.user!r})"

    # -- checks ----------------------------------------------------------------------------------------------
    def add_checks(self, rows: pd.DataFrame | Iterable[Mapping[str, object]], return_id: str | None = None) -> int:
        """Add the checks ``rows`` (columns of :data:`auditkit.workpapers.identity.CHECK_COLUMNS`) not yet
        stored; gives how many were added. Known checks are left as they are (see :meth:`sync`)."""
        records = _records(rows)
        with self.engine.begin() as conn:
            known = _known(conn, [r["check_id"] for r in records])
            new = [_check_row(r, r.get("return_id") or return_id) for r in records if r["check_id"] not in known]
            if new:
                conn.execute(s.checks.insert(), new)
        return len(new)

    def sync(self, case: Case, findings: pd.DataFrame | None = None) -> pd.DataFrame:
        """Bring ``case``'s findings and walk-through stages into the store and give :meth:`current`.

        New checks are added; a known check that fires again takes its new fingerprint and return (a verdict
        given on another fingerprint is then due a re-review) and is no longer resolved; a stored finding of a
        provider and rule the case checked that no longer fires is marked resolved in the provider's latest
        return. ``findings``: :func:`~auditkit.workpapers.identity.finding_checks` of the case, when already made."""
        found = pd.concat([finding_checks(case) if findings is None else findings, stage_checks(case)],
                          ignore_index=True)
        records = _records(found)
        latest = latest_returns(case)
        ran = _rules_run(case)
        now = utcnow()
        with self.engine.begin() as conn:
            stored = {r.check_id: r for r in conn.execute(sa.select(
                s.checks.c.check_id, s.checks.c.kind, s.checks.c.rule_id, s.checks.c.ukprn, s.checks.c.fingerprint,
                s.checks.c.last_return, s.checks.c.resolved_in).where(s.checks.c.ukprn.in_(list(latest))))}
            new = [_check_row(r, r.get("return_id"), now) for r in records if r["check_id"] not in stored]
            seen = [{"b_id": r["check_id"], "fingerprint": r["fingerprint"], "last_return": r.get("return_id"),
                     "learn_ref_number": r["learn_ref_number"], "uln": r["uln"]}
                    for r in records if r["check_id"] in stored]
            firing = {r["check_id"] for r in records}
            gone = [{"b_id": c.check_id, "resolved_in": latest.get(c.ukprn)} for c in stored.values()
                    if c.kind == "finding" and c.check_id not in firing and c.resolved_in is None
                    and c.rule_id in ran]
            if new:
                conn.execute(s.checks.insert(), new)
            if seen:
                conn.execute(s.checks.update().where(s.checks.c.check_id == sa.bindparam("b_id")).values(
                    fingerprint=sa.bindparam("fingerprint"), last_return=sa.bindparam("last_return"),
                    learn_ref_number=sa.bindparam("learn_ref_number"), uln=sa.bindparam("uln"), resolved_in=None),
                    seen)
            if gone:
                conn.execute(s.checks.update().where(s.checks.c.check_id == sa.bindparam("b_id")).values(
                    resolved_in=sa.bindparam("resolved_in")), gone)
        return self.current()

    # -- verdicts and sign-offs ------------------------------------------------------------------------------
    def record(self, check: str, verdict: str, note: str = "", *, user: str | None = None) -> int:
        """Record ``verdict`` (and ``note``) on the check ``check`` (its id); gives the history id, once committed.
        Raises :class:`StoreError` for an unknown check, a verdict the check cannot have, or a missing reason."""
        return self.record_many([(check, verdict, note)], user=user)[0]

    def record_many(self, items: Iterable[tuple[str, str, str]], *, user: str | None = None) -> list[int]:
        """Record several ``(check, verdict, note)`` in one transaction; gives their history ids once committed."""
        who = current_user(user or self.user)
        items = list(items)
        ids = []
        with self._writing("the verdicts were not recorded"), self.engine.begin() as conn:
            known = _known(conn, [c for c, _, _ in items])
            for check, verdict, note in items:
                kind, fingerprint = known.get(check, (None, None))
                _check_verdict(check, kind, verdict, note)
                now = utcnow()
                history_id = _insert(conn, s.history.insert().values(
                    check_id=check, event="verdict", verdict=verdict, note=note or "", user=who, recorded_at=now,
                    fingerprint=fingerprint))
                values = {"verdict": verdict, "note": note or "", "user": who, "recorded_at": now,
                          "fingerprint": fingerprint, "history_id": history_id}
                _upsert(conn, s.verdicts, {"check_id": check, **values}, "check_id", values)
                ids.append(history_id)
        return ids

    def signoff(self, check: str, role: str, *, user: str | None = None) -> int:
        """Sign ``check``'s current verdict off as ``role`` (preparer or reviewer); gives the history id. A reviewer
        signs off after a preparer, and cannot review a check they prepared (signed off as preparer, or whose
        verdict they recorded)."""
        if role not in ROLES:
            raise StoreError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        who = current_user(user or self.user)
        with self._writing("the sign-off was not recorded"), self.engine.begin() as conn:
            current = conn.execute(sa.select(s.verdicts).where(s.verdicts.c.check_id == check)).first()
            if current is None:
                kind = _known(conn, [check]).get(check)
                raise StoreError(f"check {check}: {'no such check' if kind is None else 'no verdict yet'}; "
                                 "a check is signed off once it has a verdict")
            if role == "reviewer":
                preparers = set(conn.execute(sa.select(s.signoffs.c.user).where(
                    s.signoffs.c.check_id == check, s.signoffs.c.role == "preparer",
                    s.signoffs.c.history_id == current.history_id)).scalars())
                if not preparers:
                    raise StoreError(f"check {check}: no preparer has signed its current verdict off; the preparer "
                                     "signs off before the reviewer")
                if who in preparers or who == current.user:
                    raise StoreError(f"check {check}: {who} prepared it and cannot also review it; another user "
                                     "signs it off as reviewer")
            now = utcnow()
            history_id = _insert(conn, s.history.insert().values(
                check_id=check, event=f"signoff-{role}", verdict=current.verdict, note="", user=who,
                recorded_at=now, fingerprint=current.fingerprint))
            _insert(conn, s.signoffs.insert().values(check_id=check, role=role, user=who, recorded_at=now,
                                                    history_id=current.history_id))
        return history_id

    # -- reading -----------------------------------------------------------------------------------------------
    def current(self, *, ukprn: int | None = None, learn_ref_number: str | None = None,
                checks: Sequence[str] | None = None) -> pd.DataFrame:
        """The ``workpapers`` frame: one row per check (of one learner, or these ``checks``, when given)."""
        return WORKPAPERS.conform(self.current_rows(ukprn=ukprn, learn_ref_number=learn_ref_number, checks=checks))

    def current_rows(self, *, ukprn: int | None = None, learn_ref_number: str | None = None,
                     checks: Sequence[str] | None = None) -> list[dict[str, object]]:
        """:meth:`current` as plain dicts (the walk-through's fast path)."""
        c, v = s.checks, s.verdicts
        query = sa.select(c, v.c.verdict, v.c.note, v.c.user, v.c.recorded_at,
                          v.c.fingerprint.label("verdict_fingerprint"), v.c.history_id).select_from(
            c.outerjoin(v, v.c.check_id == c.c.check_id))
        query = _where(query, c, ukprn, learn_ref_number, checks).order_by(  # the same order on every back end
            c.c.ukprn.nulls_first(), c.c.learn_ref_number.nulls_first(), c.c.check_id)
        with self.engine.connect().execution_options(**READ) as conn:
            rows = [dict(r._mapping) for r in conn.execute(query)]
            signs = _signoffs(conn, ukprn, learn_ref_number, checks)
        for row in rows:
            row.update(_status(row, signs.get(row["check_id"], [])))
        return rows

    def open_checks(self) -> pd.DataFrame:
        """The open list: checks without a settled verdict (open or due a re-review)."""
        frame = self.current()
        return frame[frame["status"].isin(["open", "re-review"])].reset_index(drop=True)

    def history(self, check: str | None = None, *, ukprn: int | None = None,
                learn_ref_number: str | None = None) -> pd.DataFrame:
        """Every verdict and sign-off recorded (of one check, or one learner's checks), in order."""
        h, c = s.history, s.checks
        query = sa.select(h)
        if check is not None or ukprn is not None or learn_ref_number is not None:
            query = query.join(c, c.c.check_id == h.c.check_id)
            query = _where(query, c, ukprn, learn_ref_number, None if check is None else [check])
        with self.engine.connect().execution_options(**READ) as conn:
            rows = [dict(r._mapping) for r in conn.execute(query.order_by(h.c.history_id))]
        return WORKPAPER_HISTORY.conform(rows)

    def learner(self, ukprn: int, learn_ref_number: str) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
        """One learner's checks (as :meth:`current_rows`) and their history rows: what the walk-through reads on
        every learner switch."""
        rows = self.current_rows(ukprn=ukprn, learn_ref_number=learn_ref_number)
        h, c = s.history, s.checks
        query = (sa.select(h).join(c, c.c.check_id == h.c.check_id)
                 .where(c.c.ukprn == ukprn, c.c.learn_ref_number == learn_ref_number).order_by(h.c.history_id))
        with self.engine.connect().execution_options(**READ) as conn:
            changes = [dict(r._mapping) for r in conn.execute(query)]
        return rows, changes

    # -- reveals and samples ---------------------------------------------------------------------------------
    def log_reveal(self, ukprn: int | None, learn_ref_number: str | None, fields: Iterable[str], reason: str = "",
                   *, user: str | None = None) -> int:
        """Record that personal ``fields`` of a learner were revealed (who, when, why); gives its id."""
        with self.engine.begin() as conn:
            return _insert(conn, s.reveals.insert().values(
                user=current_user(user or self.user), recorded_at=utcnow(), ukprn=ukprn,
                learn_ref_number=learn_ref_number, fields=",".join(fields), reason=reason or ""))

    def reveal_learner(self, case: Case, ukprn: int, learn_ref_number: str, reason: str) -> Learner:
        """One learner of ``case`` with personal values shown (:meth:`auditkit.case.Case.learner`), the reveal
        recorded in the store first: who, when, which learner, which personal fields, why."""
        if not reason.strip():
            raise StoreError("a reveal of personal data needs a reason")
        shown = case.learner(ukprn, learn_ref_number)  # raises for a learner the case does not hold
        fields = [c for frame in (shown.records, shown.aims) for c in frame.columns if c in PERSONAL_COLUMNS]
        self.log_reveal(ukprn, learn_ref_number, dict.fromkeys(fields), reason)
        return case.learner(ukprn, learn_ref_number, reveal=True, reason=reason)

    def reveals(self) -> pd.DataFrame:
        """Every reveal of personal data recorded, in order."""
        with self.engine.connect().execution_options(**READ) as conn:
            return pd.DataFrame([dict(r._mapping) for r in conn.execute(
                sa.select(s.reveals).order_by(s.reveals.c.reveal_id))], columns=[c.name for c in s.reveals.c])

    def record_sample(self, method: str, parameters: Mapping[str, object], seed: int | None, items: Sequence[object],
                      *, user: str | None = None) -> int:
        """Record a sample drawn (its method, parameters, seed and items, kept as JSON); gives its id."""
        with self.engine.begin() as conn:
            return _insert(conn, s.samples.insert().values(
                user=current_user(user or self.user), recorded_at=utcnow(), method=method,
                parameters=json.dumps(dict(parameters), sort_keys=True, default=str), seed=seed,
                items=json.dumps(list(items), default=str)))

    def samples(self) -> pd.DataFrame:
        """Every sample recorded, parameters and items read back from JSON."""
        with self.engine.connect().execution_options(**READ) as conn:
            rows = [dict(r._mapping) for r in conn.execute(sa.select(s.samples).order_by(s.samples.c.sample_id))]
        for row in rows:
            row["parameters"], row["items"] = json.loads(row["parameters"]), json.loads(row["items"])
        return pd.DataFrame(rows, columns=[c.name for c in s.samples.c])


def open_store(where: Case | str | Path | None = None, url: str | None = None, *, user: str | None = None) -> Store:
    """The workpaper store of ``where`` (a case, its folder or a ``.sqlite`` file): ``url`` if given, else
    ``AUDITKIT_STORE``, else ``<case folder>/.auditkit/workpapers.sqlite``. Created and migrated when new."""
    return Store(create_store_engine(store_url(where, url)), user=user)


def _rules_run(case: Case) -> set[str]:
    """The rule ids the case ran (its ``rules``, else every rule); the evidence checks only with evidence."""
    from auditkit.rules import get_rules

    ids = {r.id for r in get_rules(case.rules)}
    return ids if case.evidence is not None else {i for i in ids if not i.startswith("EV_")}


def _check_verdict(check: str, kind: str | None, verdict: str, note: str) -> None:
    if kind is None:
        raise StoreError(f"check {check}: no such check in the store; the checks and their ids are listed by "
                         "`auditkit workpapers CASE`")
    allowed = FINDING_VERDICTS if kind == "finding" else VERDICTS
    if verdict not in allowed:
        raise StoreError(f"check {check}: verdict must be one of {', '.join(allowed)} for a {kind}, not {verdict!r}")
    if verdict in NOTE_REQUIRED and not (note or "").strip():
        raise StoreError(f"check {check}: a verdict of {verdict} needs a note saying why (--note)")


def _status(row: dict[str, Any], signs: list[Any]) -> dict[str, Any]:
    if row["kind"] == "finding" and row["resolved_in"] is not None:
        status = "resolved"
    elif row["verdict"] is None:
        status = "open"
    elif row["kind"] == "finding" and row["verdict_fingerprint"] != row["fingerprint"]:
        status = "re-review"
    else:
        status = "open" if row["verdict"] == "query" else "done"
    by_role = {role: [x for x in signs if x.role == role] for role in ROLES}
    return {"status": status,
            "preparer": by_role["preparer"][-1].user if by_role["preparer"] else None,
            "reviewer": by_role["reviewer"][-1].user if by_role["reviewer"] else None,
            "edited_after_review": bool(signs) and any(x.history_id < row["history_id"] for x in signs)}


def _signoffs(conn: sa.Connection, ukprn: int | None, learn_ref_number: str | None,
              checks: Sequence[str] | None) -> dict[str, list[Any]]:
    g, c = s.signoffs, s.checks
    query = sa.select(g).order_by(g.c.signoff_id)
    if ukprn is not None or learn_ref_number is not None or checks is not None:
        query = _where(query.join(c, c.c.check_id == g.c.check_id), c, ukprn, learn_ref_number, checks)
    out: dict[str, list[Any]] = {}
    for row in conn.execute(query):
        out.setdefault(row.check_id, []).append(row)
    return out


def _where(query: Any, c: sa.Table, ukprn: int | None, learn_ref_number: str | None,
           checks: Sequence[str] | None) -> Any:
    if ukprn is not None:
        query = query.where(c.c.ukprn == ukprn)
    if learn_ref_number is not None:
        query = query.where(c.c.learn_ref_number == learn_ref_number)
    if checks is not None:
        query = query.where(c.c.check_id.in_(list(checks)))
    return query


def _known(conn: sa.Connection, ids: list[str]) -> dict[str, tuple[str, str | None]]:
    """kind and fingerprint of the stored checks among ``ids``."""
    out: dict[str, tuple[str, str | None]] = {}
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), 500):
        chunk = unique[start:start + 500]
        out.update({r.check_id: (r.kind, r.fingerprint) for r in conn.execute(
            sa.select(s.checks.c.check_id, s.checks.c.kind, s.checks.c.fingerprint).where(
                s.checks.c.check_id.in_(chunk)))})
    return out


def _check_row(record: Mapping[str, Any], return_id: str | None, now: Any = None) -> dict[str, Any]:
    row = {k: record.get(k) for k in _CHECK_FIELDS}
    return {**row, "first_return": return_id, "last_return": return_id, "resolved_in": None,
            "created_at": now or utcnow()}


def _records(rows: pd.DataFrame | Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    if frame.empty:
        return []
    frame = frame.astype(object).where(frame.notna(), None)
    out = frame.to_dict("records")
    for r in out:
        r["ukprn"] = None if r.get("ukprn") is None else int(r["ukprn"])
    return out


def _upsert(conn: sa.Connection, table: sa.Table, row: dict[str, Any], key: str, values: dict[str, Any]) -> None:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        conn.execute(pg_insert(table).values(**row).on_conflict_do_update(index_elements=[key], set_=values))
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        conn.execute(sqlite_insert(table).values(**row).on_conflict_do_update(index_elements=[key], set_=values))


def _insert(conn: sa.Connection, statement: Any) -> int:
    """Run an INSERT; gives the new row's id."""
    key = conn.execute(statement).inserted_primary_key
    assert key is not None
    return int(key[0])


def _reason(exc: BaseException) -> str:
    return str(getattr(exc, "orig", exc)).strip().splitlines()[0]
