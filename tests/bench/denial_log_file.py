"""The generated denial work log of bench_denial_log (no Django: a child process writes it)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

DENIALS = 200_000
TOUCHES_EACH = 5
ACTIONS = np.array(["review", "correct_resubmit", "appeal", "payer_call", "write_off"])


def generate() -> bytes:
    rng = np.random.default_rng(14)
    ids = np.array([f"D{i:07d}" for i in range(DENIALS)])
    received = np.datetime64("2026-03-01") + rng.integers(0, 92, DENIALS).astype("timedelta64[D]")
    amount = rng.integers(2_000, 500_000, DENIALS)
    payer = np.array(["Aetna", "Cigna", "Humana", "UHC", "Medicare"])[rng.integers(0, 5, DENIALS)]
    carc = np.array(["16", "50", "197", "29", "4"])[rng.integers(0, 5, DENIALS)]
    resolved_mask = rng.random(DENIALS) < 0.6
    gaps = rng.integers(0, 6, (DENIALS, TOUCHES_EACH)).cumsum(axis=1).astype("timedelta64[D]")
    touch_days = received[:, None] + gaps
    last = touch_days[:, -1]
    end = np.datetime64("2026-05-31")
    resolved_mask &= last <= end
    touch_days = np.minimum(touch_days, end)
    resolved = np.where(resolved_mask, np.datetime_as_string(last), "")
    outcome = np.where(resolved_mask, np.array(["overturned", "upheld"])[amount % 2], "")
    recovered = np.where(resolved_mask & (amount % 2 == 0), amount // 100, 0)
    rep = np.repeat(np.arange(DENIALS), TOUCHES_EACH)
    frame = pd.DataFrame(
        {
            "denial id": ids[rep],
            "claim id": np.char.add("C", ids)[rep],
            "payer": payer[rep],
            "carc": carc[rep],
            "amount denied": np.char.add(
                (amount // 100).astype(str),
                np.char.add(".", np.char.zfill((amount % 100).astype(str), 2)),
            )[rep],
            "date received": np.datetime_as_string(received)[rep],
            "touch date": np.datetime_as_string(touch_days.ravel()),
            "action": ACTIONS[rng.integers(0, 5, DENIALS * TOUCHES_EACH)],
            "minutes": rng.integers(1, 60, DENIALS * TOUCHES_EACH),
            "resolution date": resolved[rep],
            "outcome": outcome[rep],
            "amount recovered": recovered[rep],
        }
    )
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode()


def write(path: str) -> None:
    """Generate the log into a file (run in a child process: the parent's peak memory then
    holds no generator's frames)."""
    Path(path).write_bytes(generate())
