"""The two frames a denial work log reads to, whatever its layout: the contract between the
reading (``worklogs.reading``) and the measures (``worklogs.measures``).

``denials``: one row per denial, index unused, columns (dtype):

- ``denial_id`` (str), unique within the log
- ``claim_id`` (str), the practice's claim / patient control number (CLP01 in an 835)
- ``payer`` (str)
- ``carc`` (str), claim adjustment reason code; ``rarc`` (str, "" when none)
- ``amount_denied_cents`` (int64), ``recovered_cents`` (int64, 0 when none)
- ``received_on`` (datetime64, a day), ``resolved_on`` (datetime64, NaT while open)
- ``outcome`` (str: a ``DenialOutcome`` value, "" while open)

``touches``: one row per touch, in any order, columns:

- ``denial_id`` (str), a denial of ``denials``
- ``touched_on`` (datetime64, a day)
- ``action`` (str: a ``TouchAction`` value)
- ``minutes`` (Int64, nullable: minutes worked where the log gives them)
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

DENIAL_COLUMNS = {
    "denial_id": "string",
    "claim_id": "string",
    "payer": "string",
    "carc": "string",
    "rarc": "string",
    "amount_denied_cents": "int64",
    "recovered_cents": "int64",
    "received_on": "datetime64[s]",
    "resolved_on": "datetime64[s]",
    "outcome": "string",
}
TOUCH_COLUMNS = {
    "denial_id": "string",
    "touched_on": "datetime64[s]",
    "action": "string",
    "minutes": "Int64",
}


@dataclass(frozen=True)
class LogFrames:
    """A work log's denials and touches (see the module's docstring for the columns)."""

    denials: pd.DataFrame
    touches: pd.DataFrame


def empty_frames() -> LogFrames:
    """Frames with the columns and dtypes and no rows."""
    return LogFrames(
        denials=pd.DataFrame({c: pd.Series(dtype=t) for c, t in DENIAL_COLUMNS.items()}),
        touches=pd.DataFrame({c: pd.Series(dtype=t) for c, t in TOUCH_COLUMNS.items()}),
    )
