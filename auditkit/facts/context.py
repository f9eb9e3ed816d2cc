"""What rules read: the loaded ILR data, scoped to the latest returns, with the derived frames rules share.

Rules are functions of a :class:`RuleContext`. The context holds

- ``all``: everything loaded (every provider, year and snapshot), for whole-dataset rules;
- ``data``: the returns rules run on (the latest of each provider and year, or every snapshot with
  ``all_returns=True``);
- contracts, reference data and settings (wave window, postcode directory);
- derived frames built once and cached: aims with their learner and return facts, FAM codes, PSM texts,
  employment status at the bootcamp start, bootcamp aims wherever recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable
from functools import cached_property
from typing import Any, TypeAlias, TypeVar

import numpy as np
import pandas as pd

from auditkit.facts.columns import on_distinct
from auditkit.frames.findings import NOT_EVALUATED
from auditkit.readers.contracts import Contracts
from auditkit.readers.evidence import EvidenceData
from auditkit.readers.ilr import ILRData
from auditkit.reference.aims import M2_AIM, M3_AIM, is_bootcamp
from auditkit.reference.wave5 import WAVE_WINDOW

T = TypeVar("T")
#: What a finding's message (or value) may be given as: text, a Series aligned with the rows, or a function of them.
FindingText: TypeAlias = str | pd.Series | Callable[..., object]
AIM_KEYS = ["return_id", "ukprn", "learn_ref_number", "aim_seq_number"]
LEARNER_KEYS = ["return_id", "ukprn", "learn_ref_number"]


class RuleContext:
    """The data, contracts and settings one run of the rules reads."""

    def __init__(self, data: ILRData, contracts: Contracts | None = None, *, all_returns: bool = False,
                 wave_window: tuple[dt.date, dt.date] = WAVE_WINDOW, postcode_directory: pd.Series | None = None,
                 contracts_given: bool | None = None, evidence: EvidenceData | None = None) -> None:
        self.all = in_seconds(data)
        self.data = self.all if all_returns else self.all.latest()
        self.contracts = contracts
        self.contracts_given = contracts is not None if contracts_given is None else contracts_given
        self.wave_window = (pd.Timestamp(wave_window[0]), pd.Timestamp(wave_window[1]))
        self.postcode_directory = postcode_directory
        self.evidence = evidence  # readers.evidence.EvidenceData (documents, problems, employer register) or None
        #: Facts about providers outside this context, by name (a national run audits one provider at a time and
        #: gives it what the others hold: ``"co_funders"``, see ``auditkit.rules.co_funders``). Empty otherwise.
        self.outside: dict[str, pd.DataFrame] = {}

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` once per context: for derived frames that several rules of a family share."""
        cache = self.__dict__.setdefault("_memo", {})
        if key not in cache:
            cache[key] = compute()
        return cache[key]

    # -- returns and learners ----------------------------------------------------------------------
    @cached_property
    def returns(self) -> pd.DataFrame:
        """The returns in scope."""
        return self.data.returns

    @cached_property
    def learners(self) -> pd.DataFrame:
        """Learners in scope, with their return's preparation date, year and file."""
        return self.data.learners.merge(self._return_facts(self.data), on="return_id", how="left")

    @cached_property
    def _learner_lookup(self) -> tuple[pd.MultiIndex, pd.Series]:
        """Every loaded learner's :data:`LEARNER_KEYS` (the first record of each) and their ULNs, aligned."""
        people = self.all.learners[[*LEARNER_KEYS, "uln"]].drop_duplicates(LEARNER_KEYS)
        return pd.MultiIndex.from_frame(people[LEARNER_KEYS]), people["uln"].reset_index(drop=True)

    def learner_ulns(self, rows: pd.DataFrame) -> pd.Series:
        """The ULN of the learner of each row of ``rows`` (:data:`LEARNER_KEYS`, any of them NA) in any loaded
        return: the first record's, as a left merge with every learner would give (NA keys match NA keys); NA for
        a row no learner matches. Aligned with ``rows``; the lookup is built once per context."""
        keys, ulns = self._learner_lookup
        at = keys.get_indexer(pd.MultiIndex.from_frame(rows[LEARNER_KEYS])) if len(rows) else np.array([], int)
        found = ulns.take(np.where(at < 0, 0, at)) if len(ulns) else pd.Series([pd.NA] * len(at), dtype=object)
        return pd.Series(found.to_numpy(), index=rows.index, dtype=ulns.dtype).mask(at < 0)

    @cached_property
    def return_paths(self) -> pd.Series:
        """The file of each loaded return, by ``return_id``."""
        return self.all.returns.set_index("return_id")["path"]

    # -- aims ----------------------------------------------------------------------------------------
    @cached_property
    def aims(self) -> pd.DataFrame:
        """Every learning delivery in scope, with ``is_bootcamp``, ``is_m2``, ``is_m3``, the learner's ULN and
        date of birth, and the return's ``file_preparation_date``, ``ilr_year`` and ``path``."""
        return self._aims(self.data)

    @cached_property
    def bootcamps(self) -> pd.DataFrame:
        """Bootcamp aims in scope."""
        return self.aims[self.aims["is_bootcamp"]].reset_index(drop=True)

    @cached_property
    def milestones(self) -> pd.DataFrame:
        """M2 and M3 aims in scope."""
        return self.aims[self.aims["is_m2"] | self.aims["is_m3"]].reset_index(drop=True)

    @cached_property
    def all_aims(self) -> pd.DataFrame:
        """Every delivery in every loaded return (all snapshots), with the same extra columns as :attr:`aims`."""
        return self._aims(self.all)

    @cached_property
    def latest_aims(self) -> pd.DataFrame:
        """Every delivery in the latest return of each provider and year (the whole-dataset view)."""
        return self._aims(self.all.latest())

    @cached_property
    def all_bootcamps(self) -> pd.DataFrame:
        """Bootcamp aims wherever recorded: in the latest return of every provider and ILR year loaded (an
        earlier snapshot's version of an aim, or an aim since deleted, does not count), one row per provider,
        learner, aim ref and start date, taken from the latest return that holds it."""
        aims = self.latest_aims[self.latest_aims["is_bootcamp"]]
        aims = aims.sort_values(["file_preparation_date", "return_id"], kind="stable")
        keys = ["ukprn", "learn_ref_number", "learn_aim_ref", "learn_start_date"]
        return aims.drop_duplicates(keys, keep="last").reset_index(drop=True)

    def _aims(self, data: ILRData) -> pd.DataFrame:
        people = data.learners[[*LEARNER_KEYS, "uln", "date_of_birth"]]
        aims = data.deliveries.merge(people, on=LEARNER_KEYS, how="left")
        aims = aims.merge(self._return_facts(data), on="return_id", how="left")
        ref = aims["learn_aim_ref"]
        return aims.assign(is_bootcamp=is_bootcamp(ref).fillna(False).astype(bool),
                           is_m2=(ref == M2_AIM).fillna(False).astype(bool),
                           is_m3=(ref == M3_AIM).fillna(False).astype(bool))

    @staticmethod
    def _return_facts(data: ILRData) -> pd.DataFrame:
        return data.returns[["return_id", "file_preparation_date", "ilr_year", "path", "period_number"]]

    # -- FAMs and PSM fields ----------------------------------------------------------------------------
    @cached_property
    def fams(self) -> pd.DataFrame:
        """Delivery FAMs in scope: aim keys, ``fam_type``, ``fam_code`` (text as recorded)."""
        f = self.data.delivery_fams
        return f[[*AIM_KEYS, "learn_del_fam_type", "learn_del_fam_code"]].rename(
            columns={"learn_del_fam_type": "fam_type", "learn_del_fam_code": "fam_code"})

    def fam_codes(self, fam_type: str, aims: pd.DataFrame | None = None) -> pd.Series:
        """For each row of ``aims`` (default :attr:`aims`), the list of codes of one FAM type (empty list if none)."""
        aims = self.aims if aims is None else aims
        f = self.fams[(self.fams["fam_type"] == fam_type).fillna(False).astype(bool)]
        long = aims[AIM_KEYS].reset_index(names="_row").merge(f, on=AIM_KEYS, how="inner")
        return group_lists(long["_row"], long["fam_code"], aims.index)

    def has_fam(self, fam_type: str, code: str | int | None = None, aims: pd.DataFrame | None = None) -> pd.Series:
        """For each row of ``aims`` (default :attr:`aims`), whether it has a FAM of this type (and code, when
        given: compared as numbers when both are digits, so ``23`` equals ``023``)."""
        aims = self.aims if aims is None else aims
        f = self.fams[(self.fams["fam_type"] == fam_type).fillna(False).astype(bool)]
        if code is not None:
            f = f[same_code(f["fam_code"], code)]
        if f.empty or aims.empty:
            return pd.Series(False, index=aims.index, dtype=bool)
        found = self._aim_keys(aims).isin(pd.MultiIndex.from_frame(f[AIM_KEYS]))
        return pd.Series(found, index=aims.index, dtype=bool)

    def _aim_keys(self, aims: pd.DataFrame) -> pd.MultiIndex:
        """The :data:`AIM_KEYS` of ``aims`` as an index: built once for :attr:`aims` and :attr:`bootcamps`."""
        def index() -> pd.MultiIndex:
            return pd.MultiIndex.from_frame(aims[AIM_KEYS])

        for name in ("aims", "bootcamps"):
            if self.__dict__.get(name) is aims:
                return self.memo(("aim_keys", name), index)
        return index()

    @cached_property
    def psm(self) -> pd.DataFrame:
        """PSM fields (ProviderSpecDeliveryMonitoring A-D) in scope: aim keys, ``occur``, ``text``."""
        p = self.data.delivery_provider_monitoring
        return p[[*AIM_KEYS, "prov_spec_del_mon_occur", "prov_spec_del_mon"]].rename(
            columns={"prov_spec_del_mon_occur": "occur", "prov_spec_del_mon": "text"})

    @cached_property
    def all_psm(self) -> pd.DataFrame:
        """PSM fields of every loaded return."""
        p = self.all.delivery_provider_monitoring
        return p[[*AIM_KEYS, "prov_spec_del_mon_occur", "prov_spec_del_mon"]].rename(
            columns={"prov_spec_del_mon_occur": "occur", "prov_spec_del_mon": "text"})

    def psm_texts(self, aims: pd.DataFrame | None = None, everywhere: bool = False) -> pd.Series:
        """For each row of ``aims`` (default :attr:`aims`), the list of its PSM texts in occurrence order
        (empty list when none); ``everywhere`` looks in every loaded return. Joins first, so a few rows cost
        little."""
        aims = self.aims if aims is None else aims
        psm = self.all_psm if everywhere else self.psm
        long = aims[AIM_KEYS].reset_index(names="_row").merge(psm, on=AIM_KEYS, how="inner")
        long = long.sort_values(["_row", "occur"], kind="stable")
        return group_lists(long["_row"], long["text"], aims.index)

    # -- employment ----------------------------------------------------------------------------------------
    @cached_property
    def employment(self) -> pd.DataFrame:
        """Employment statuses in scope with their monitoring as columns ``esm_<TYPE>`` (first code)."""
        st = self.data.employment_statuses
        esm = self.data.employment_status_monitoring
        keys = [*LEARNER_KEYS, "emp_status_seq"]
        if len(esm):
            wide = (esm.drop_duplicates([*keys, "esm_type"]).pivot(index=keys, columns="esm_type",
                                                                     values="esm_code"))
            wide.columns = [f"esm_{c}" for c in wide.columns]
            st = st.merge(wide.reset_index(), on=keys, how="left")
        return st

    def status_at_start(self, aims: pd.DataFrame | None = None) -> pd.DataFrame:
        """For each row of ``aims`` (default bootcamps in scope), the employment status applying at its
        LearnStartDate: the latest record with DateEmpStatApp on or before it (NA columns when none).

        Returns a frame aligned with ``aims`` with ``emp_stat``, ``date_emp_stat_app``, ``emp_id``,
        ``emp_status_seq`` and the ``esm_*`` columns.
        """
        aims = self.bootcamps if aims is None else aims
        emp = self.employment.dropna(subset=["date_emp_stat_app"])
        left = aims[[*AIM_KEYS, "learn_start_date"]].reset_index().rename(columns={"index": "_row"})
        merged = left.merge(emp, on=LEARNER_KEYS, how="inner")
        merged = merged[merged["date_emp_stat_app"] <= merged["learn_start_date"]]
        merged = merged.sort_values(["_row", "date_emp_stat_app", "emp_status_seq"], kind="stable")
        last = merged.drop_duplicates("_row", keep="last").set_index("_row")
        cols = [c for c in emp.columns if c not in LEARNER_KEYS]
        out = last.reindex(aims.index)[cols] if len(last) else pd.DataFrame(index=aims.index, columns=cols)
        return out

    # -- contracts -----------------------------------------------------------------------------------
    def contract_aims(self) -> pd.DataFrame:
        """Allocated aims of every contract (ukprn, lars, title, weeks, mode, price); empty without contracts."""
        return (self.contracts or Contracts.empty()).aims

    def contract_table(self) -> pd.DataFrame:
        """One row per contract (ukprn, provider, windows); empty without contracts."""
        return (self.contracts or Contracts.empty()).contracts

    def not_evaluated(self, ukprns: pd.Series | Iterable[object], field: str, message: str) -> pd.DataFrame:
        """One ``not-evaluated`` finding per provider in ``ukprns`` (a rule needed a contract value that was
        not given), attached to that provider's latest return in scope."""
        wanted = pd.Series(pd.unique(pd.Series(ukprns).dropna()))
        if wanted.empty:
            return self.findings(pd.DataFrame(), field=field, message=message)
        returns = self.returns[self.returns["ukprn"].isin(wanted)].sort_values("file_preparation_date")
        rows = returns.drop_duplicates("ukprn", keep="last").assign(learn_ref_number=pd.NA, line=pd.NA)
        out = self.findings(rows, field=field, message=message, learner_level=True)
        return out.assign(severity=NOT_EVALUATED)

    # -- findings --------------------------------------------------------------------------------------
    def findings(self, rows: pd.DataFrame, *, field: str, message: FindingText, value: object = None,
                 learner_level: bool = False) -> pd.DataFrame:
        """Raw findings for the rows of an aims or learners frame.

        Displays and exports mask ``value`` when ``field`` is a personal element, but never ``message``: a
        message must not contain personal values (name a postcode's district, not the postcode).

        ``message`` and ``value`` may be strings, Series aligned with ``rows``, or callables of ``rows``.
        ``learner_level`` leaves ``aim_seq_number`` empty.
        """
        if rows.empty:
            return pd.DataFrame(columns=["return_id", "ukprn", "learn_ref_number", "aim_seq_number", "field",
                                         "value", "message", "line"])

        def resolve(x: Any) -> Any:
            return x(rows) if callable(x) else x

        out = pd.DataFrame({
            "return_id": rows["return_id"],
            "ukprn": rows["ukprn"],
            "learn_ref_number": rows["learn_ref_number"],
            "aim_seq_number": pd.NA if learner_level or "aim_seq_number" not in rows else rows["aim_seq_number"],
            "field": field,
            "value": resolve(value),
            "message": resolve(message),
            "line": rows.get("line", pd.NA),
        })
        return out.reset_index(drop=True)


def in_seconds(data: ILRData) -> ILRData:
    """The same data with every date column held to the second (``datetime64[s]``) instead of the nanosecond, so
    that rules can subtract any two dates the reader gives (nanosecond differences overflow beyond 292 years) and
    add months near the ends of the range. Other columns are shared, not copied."""
    frames = {}
    for name, df in data.frames.items():
        dates = [c for c in df.columns if pd.api.types.is_datetime64_dtype(df[c]) and df[c].dtype != "datetime64[s]"]
        frames[name] = df.astype(dict.fromkeys(dates, "datetime64[s]")) if dates else df
    return data if all(frames[n] is df for n, df in data.frames.items()) else type(data)(frames=frames)


def group_lists(keys: pd.Series, values: pd.Series, index: pd.Index) -> pd.Series:
    """For each label of ``index``, the list of ``values`` whose ``keys`` equal it (in their order; empty list
    when none). A fast ``groupby(...).agg(list)`` for many small groups."""
    out = pd.Series([[] for _ in range(len(index))], index=index, dtype=object)
    if len(keys):
        order = np.argsort(keys.to_numpy(), kind="stable")
        k, v = keys.to_numpy()[order], values.to_numpy(dtype=object)[order]
        labels, starts = np.unique(k, return_index=True)
        found = pd.Series([list(c) for c in np.split(v, starts[1:])], index=labels, dtype=object)
        found = found[found.index.isin(index)]
        out.loc[found.index] = found
    return out


def same_code(codes: pd.Series, code: str | int) -> pd.Series:
    """True where a FAM code equals ``code`` (numerically when both are digits, so ``23`` equals ``023``); each
    distinct code is compared once."""
    return on_distinct(codes, lambda distinct: _same_code(distinct, code))


def _same_code(codes: pd.Series, code: str | int) -> pd.Series:
    text = codes.astype("string").str.strip()
    want = str(code).strip()
    if want.isdigit():
        digits = text.str.fullmatch(r"\d+").fillna(False).astype(bool)
        return (digits & (pd.to_numeric(text.where(digits), errors="coerce") == int(want))).fillna(False).astype(bool)
    return (text.str.upper() == want.upper()).fillna(False).astype(bool)


def fmt_date(value: object) -> str:
    """A date for a message: ``2024-05-01``, or ``(none)``."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "(none)"
    return pd.Timestamp(value).strftime("%Y-%m-%d")
