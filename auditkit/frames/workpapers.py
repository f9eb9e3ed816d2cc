"""The workpaper frames: the current state of every check and the history of every change
(:mod:`auditkit.workpapers`)."""

from __future__ import annotations

from dataclasses import replace

from auditkit.frames.fields import Field, Frame
from auditkit.frames.keys import BOOTCAMP_AIM, LEARN_REF_NUMBER, UKPRN, ULN

F = Field
#: A check is a finding (a rule firing on a learner's aim) or a walk-through stage of a learner's bootcamp aim.
CHECK_KINDS = ("finding", "stage")
#: The walk-through stages of a bootcamp aim.
STAGES = ("eligibility", "co-funding", "delivery", "completion", "job-offer")
#: Verdicts on any check; findings may also be explained or accepted (with a note saying why).
VERDICTS = ("pass", "fail", "query", "not-applicable")
FINDING_VERDICTS = (*VERDICTS, "explained", "accepted")
#: Verdicts that need a note (the reason).
NOTE_REQUIRED = ("explained", "accepted")
#: Sign-off roles.
ROLES = ("preparer", "reviewer")
#: Status of a check in the workpapers frame.
STATUSES = ("open", "done", "re-review", "resolved")

_CHECK_ID = F("check_id", "", "str", "Stable id of the check (12 hex digits, a hash of its identity: see "
              "`auditkit.workpapers.identity`); the same across returns.")
_KIND = F("kind", "", "str", "finding or stage.")
_VERDICT = F("verdict", "", "str", "pass, fail, query, not-applicable; for findings also explained or accepted.")
_NOTE = F("note", "", "str", "The auditor's note (the reason, for explained and accepted).")
_USER = F("user", "", "str", "Who recorded it (AUDITKIT_USER, else the login name).")

WORKPAPER_FIELDS: tuple[Field, ...] = (
    _CHECK_ID, _KIND,
    F("rule_id", "", "str", "The rule of a finding (empty for stages)."),
    F("stage", "", "str", "The walk-through stage: eligibility, co-funding, delivery, completion, job-offer "
      "(empty for findings)."),
    UKPRN,
    replace(LEARN_REF_NUMBER, description="The learner's LearnRefNumber as last seen (empty for provider-level "
            "findings)."),
    ULN,
    replace(BOOTCAMP_AIM, description="LearnAimRef of the bootcamp aim (empty for learner-level findings)."),
    F("aim_start", "", "date", "LearnStartDate of the bootcamp aim (with bootcamp_aim, the aim's identity)."),
    F("field", "", "str", "The ILR field the finding is about."),
    F("fingerprint", "", "str", "Hash of the values the rule read, as last seen."),
    _VERDICT, _NOTE, _USER,
    F("recorded_at", "", "datetime", "When the verdict was committed (UTC)."),
    F("status", "", "str", "open (no verdict, or query), done (a verdict stands; explained findings stay out of the "
      "open list), re-review (the values changed since the verdict), resolved (the finding no longer fires)."),
    F("resolved_in", "", "str", "The return (return id) in which the finding no longer fired."),
    F("first_return", "", "str", "The return the check was first seen in."),
    F("last_return", "", "str", "The latest return the finding fired in (or the stage's aim was seen in)."),
    F("preparer", "", "str", "Who signed the check off as preparer (latest)."),
    F("reviewer", "", "str", "Who signed the check off as reviewer (latest)."),
    F("edited_after_review", "", "bool", "True when the verdict changed after a sign-off."),
    F("message", "", "str", "The finding's message in the case audited (personal values masked unless revealed); "
      "empty when the store is read without a case."),
)
WORKPAPERS = Frame("workpapers", "One row per check: its verdict, status and sign-offs.", WORKPAPER_FIELDS,
                   given_by="`auditkit.workpapers.open_store(case).current()` and `auditkit workpapers CASE`: the "
                   "current state of every check recorded in the store.")

HISTORY_FIELDS: tuple[Field, ...] = (
    F("history_id", "", "int", "Order of the change in the store (append-only; never updated or deleted)."),
    _CHECK_ID,
    F("event", "", "str", "verdict, or signoff-preparer / signoff-reviewer."),
    _VERDICT, _NOTE, _USER,
    F("recorded_at", "", "datetime", "When it was committed (UTC)."),
    F("fingerprint", "", "str", "The check's fingerprint when the change was made."),
)
WORKPAPER_HISTORY = Frame("workpaper_history", "Every change to a check, in order.", HISTORY_FIELDS,
                          given_by="`Store.history()`: one row per verdict or sign-off ever recorded.")
