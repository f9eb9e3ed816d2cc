"""Reference facts about learning aims: which LearnAimRefs are milestone claims, which are bootcamps."""

from __future__ import annotations

import pandas as pd

#: Milestone 2: course completion and interview (or learner-type equivalent) offered.
M2_AIM = "Z0010211"
#: Milestone 3: on job offer (or equivalent).
M3_AIM = "Z0010212"
MILESTONE_AIMS = frozenset({M2_AIM, M3_AIM})


def is_bootcamp(learn_aim_ref: pd.Series) -> pd.Series:
    """True for bootcamp aims: every delivery that is not one of the two milestone aims."""
    return ~learn_aim_ref.isin(MILESTONE_AIMS) & learn_aim_ref.notna()


def bootcamp_deliveries(deliveries: pd.DataFrame) -> pd.DataFrame:
    """Only the bootcamp aims of a deliveries frame."""
    return deliveries[is_bootcamp(deliveries["learn_aim_ref"])]


def norm_ref(texts: pd.Series) -> pd.Series:
    """Aim references compared as the funder's database would: surrounding spaces dropped, case ignored."""
    return texts.astype("string").str.strip().str.upper()
