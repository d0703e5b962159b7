"""Evidence KPIs from the payers' 835 remittances, per vendor and period (domain.md section 8).

Pure functions over pandas DataFrames (:func:`compute_evidence`), then the loader from the stored
claim payments (:func:`vendor_evidence`). Money is integer cents (int64), counts are integers,
and rates and means are made as ``Decimal`` at the very end; nothing passes through a binary
float.

Definitions (where section 8 is silent, the choice is stated here and in the README):

- A *claim* is one payer's claim for one patient control number: the key is
  (payer id, patient control number, CLP01). Its rows are ordered by payment date, then file,
  then position in the file.
- Its *first adjudication* is its first row whose status is not 22 (reversal). A reversal and
  the correction that follows it are matched to the original by that key (the payer claim
  control number may change with the correction, so it is not part of the key) and never
  counted again: the claim counts once, in the period of its first adjudication, with the
  outcome of that first adjudication ("first pass").
- *Adjudicated claims* counts first adjudications in the period by the primary payer: a first
  adjudication whose status is 2 or 3 (processed as secondary / tertiary), 20, 21 (secondary /
  tertiary, forwarded) or 23 (not our claim, forwarded) is not a new claim of the vendor (the
  encounter was already counted with its primary payer) and is left out of the claim counts and
  rates; its money counts in ``payments_cents``.
- *Denied in full*: status 4, or paid 0 with the whole charge adjusted under CO, OA or PI (claim
  and line adjustments together). *Denial rate* = denied / adjudicated x 100.
- *First-pass paid*: adjudicated, not denied, and paid more than 0 on the first adjudication.
- *Payments*: the sum of CLP04 of every row paid in the period (reversals negative, corrections
  and secondary payments included): the money the payers sent that month.
- *Days to payment*: for adjudicated claims, payment date (BPR16) - service start (DTM*232, else
  the first line date) and - received date (DTM*050), in whole days, over the claims that carry
  that date. Mean as Decimal; p90 by the nearest-rank method (the ceil(0.9 n)-th smallest
  value; an integer number of days, one that occurred).
- *Denied amount*: the charges of the claims denied in full.
- *Line-level denials*: on adjudicated claims not denied in full, the lines paid 0 whose whole
  charge is adjusted under CO, OA or PI; count and charges.
- *Top CARCs*: the CO/OA/PI adjustments of the denied claims and denied lines, by (group, CARC):
  count of adjustments and amount, top ten by count and by amount.
- *Responsibility*: a denied claim is attributed to the CARC of its largest CO/OA/PI adjustment
  (ties: the first written), looked up in the CARC table (an organization's row for the group
  code, then its row for any group, then the shipped rows the same way); an unknown CARC is
  category "other" with no responsible party and is listed in ``unknown_carcs``. Vendor- and
  practice-caused denial rates are those claims over all adjudicated claims.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd

from remittances.models import CarcRule, ClaimAdjustment, ClaimPayment, ServiceLine
from vendors.models import Vendor

REVERSAL = "22"
DENIED = "4"
NOT_PRIMARY = frozenset({"2", "3", "20", "21", "23"})
DENIAL_GROUPS = ("CO", "OA", "PI")
TOP = 10
HUNDRED = Decimal(100)

CLAIM_COLUMNS = (
    "id", "period", "status_code", "charge_cents", "payment_cents", "payer_id", "payer_name",
    "patient_control_number", "payment_date", "received_date", "service_start",
    "remittance_file_id", "sequence",
)  # fmt: skip
ADJUSTMENT_COLUMNS = ("id", "claim_id", "line_id", "group_code", "carc", "amount_cents")
LINE_COLUMNS = ("id", "claim_id", "charge_cents", "payment_cents")

# (carc, group code or "") -> (category, responsible party or None)
CarcTable = Mapping[tuple[str, str], tuple[str, str | None]]


@dataclass(frozen=True)
class CarcCount:
    """One (group, CARC) among the denials: how many adjustments cite it and their amount."""

    group_code: str
    carc: str
    count: int
    amount_cents: int
    category: str
    responsible_party: str | None


@dataclass(frozen=True)
class Evidence:
    """The evidence KPIs of one vendor and period (``None`` where there is nothing to divide)."""

    period: str
    adjudicated_claims: int = 0
    secondary_claims: int = 0
    denied_claims: int = 0
    denial_rate: Decimal | None = None
    first_pass_paid_claims: int = 0
    first_pass_paid_rate: Decimal | None = None
    payments_cents: int = 0
    denied_cents: int = 0
    line_denials: int = 0
    line_denied_cents: int = 0
    days_from_service_mean: Decimal | None = None
    days_from_service_p90: int | None = None
    days_from_receipt_mean: Decimal | None = None
    days_from_receipt_p90: int | None = None
    vendor_caused_denials: int = 0
    vendor_caused_denial_rate: Decimal | None = None
    vendor_caused_denied_cents: int = 0
    practice_caused_denials: int = 0
    practice_caused_denial_rate: Decimal | None = None
    practice_caused_denied_cents: int = 0
    top_carcs_by_count: tuple[CarcCount, ...] = ()
    top_carcs_by_amount: tuple[CarcCount, ...] = ()
    by_category: dict[str, tuple[int, int]] = field(default_factory=dict)
    by_party: dict[str, tuple[int, int]] = field(default_factory=dict)
    by_payer: dict[str, tuple[int, int]] = field(default_factory=dict)
    unknown_carcs: tuple[str, ...] = ()

    @property
    def covered(self) -> bool:
        """Whether the payers' evidence covers the period (at least one adjudicated claim)."""
        return self.adjudicated_claims > 0


# The catalog KPIs the evidence speaks to, and the evidence measure that does.
EVIDENCE_FOR_KPI = {"denial_rate": "denial_rate"}


def rate(part: int, whole: int) -> Decimal | None:
    """``part / whole x 100`` as an exact Decimal; ``None`` on a zero denominator."""
    return None if whole == 0 else Decimal(part) * HUNDRED / Decimal(whole)


def mean_days(days: pd.Series) -> Decimal | None:
    """The mean of whole days as Decimal (from the integer sum), ``None`` when there are none."""
    return None if days.empty else Decimal(int(days.sum())) / Decimal(len(days))


def p90_days(days: pd.Series) -> int | None:
    """Nearest-rank 90th percentile: the ceil(0.9 n)-th smallest value."""
    n = len(days)
    if n == 0:
        return None
    rank = (9 * n + 9) // 10  # ceil(0.9 n) in integers
    return int(days.sort_values(ignore_index=True).iloc[rank - 1])


def resolve_carc(carc: str, group_code: str, table: CarcTable) -> tuple[str, str | None]:
    """Category and responsible party of a CARC: the row for its group, else for any group."""
    return table.get((carc, group_code)) or table.get((carc, "")) or ("other", None)


def first_adjudications(claims: pd.DataFrame) -> pd.DataFrame:
    """The first non-reversal row of each claim key, over all the rows given (any period)."""
    ordered = claims[claims["status_code"] != REVERSAL].sort_values(
        ["payment_date", "remittance_file_id", "sequence"], kind="stable"
    )
    return ordered.drop_duplicates(["payer_id", "patient_control_number"], keep="first")


def _denial_adjustments(adjustments: pd.DataFrame) -> pd.DataFrame:
    return adjustments[adjustments["group_code"].isin(DENIAL_GROUPS)]


def _flag_claims(firsts: pd.DataFrame, adjustments: pd.DataFrame) -> pd.DataFrame:
    denial_sum = _denial_adjustments(adjustments).groupby("claim_id")["amount_cents"].sum()
    out = firsts.copy()
    out["denial_adjusted_cents"] = out["id"].map(denial_sum).fillna(0).astype("int64")
    out["primary"] = ~out["status_code"].isin(NOT_PRIMARY)
    whole = (out["payment_cents"] == 0) & (out["charge_cents"] > 0)
    whole &= out["denial_adjusted_cents"] == out["charge_cents"]
    out["denied"] = out["primary"] & ((out["status_code"] == DENIED) | whole)
    out["first_pass_paid"] = out["primary"] & ~out["denied"] & (out["payment_cents"] > 0)
    return out


def _days(claims: pd.DataFrame, column: str) -> pd.Series:
    dated = claims[claims[column].notna()]
    start = pd.to_datetime(dated[column])
    return (pd.to_datetime(dated["payment_date"]) - start).dt.days.astype("int64")


def _denied_lines(
    counted: pd.DataFrame, lines: pd.DataFrame, adjustments: pd.DataFrame
) -> pd.DataFrame:
    candidates = lines[lines["claim_id"].isin(counted.loc[~counted["denied"], "id"])]
    candidates = candidates[(candidates["payment_cents"] == 0) & (candidates["charge_cents"] > 0)]
    line_sum = _denial_adjustments(adjustments).groupby("line_id")["amount_cents"].sum()
    adjusted = candidates["id"].map(line_sum).fillna(0).astype("int64")
    return candidates[adjusted == candidates["charge_cents"]]


def _responsibility(
    denied: pd.DataFrame, adjustments: pd.DataFrame, table: CarcTable
) -> pd.DataFrame:
    """Each denied claim with the category and party of its largest CO/OA/PI adjustment."""
    adjs = _denial_adjustments(adjustments)
    adjs = adjs[adjs["claim_id"].isin(denied["id"])].sort_values("id", kind="stable")
    largest = adjs.sort_values("amount_cents", ascending=False, kind="stable").drop_duplicates(
        "claim_id"
    )
    by_claim = {
        int(claim): resolve_carc(str(carc), str(group), table)
        for claim, carc, group in zip(
            largest["claim_id"], largest["carc"], largest["group_code"], strict=True
        )
    }
    out = denied[["id", "charge_cents", "payer_name"]].copy()
    resolved = [by_claim.get(int(i), ("other", None)) for i in out["id"]]
    out["category"] = [r[0] for r in resolved]
    out["party"] = [r[1] or "unassigned" for r in resolved]
    return out


def _tally(frame: pd.DataFrame, column: str) -> dict[str, tuple[int, int]]:
    grouped = frame.groupby(column)["charge_cents"].agg(["count", "sum"])
    return {str(k): (int(r["count"]), int(r["sum"])) for k, r in grouped.iterrows()}


def _top_carcs(denial_adjs: pd.DataFrame, table: CarcTable) -> tuple[list[CarcCount], ...]:
    grouped = (
        denial_adjs.groupby(["group_code", "carc"])["amount_cents"]
        .agg(["count", "sum"])
        .reset_index()
    )
    counts = []
    for group, carc, count, total in zip(
        grouped["group_code"], grouped["carc"], grouped["count"], grouped["sum"], strict=True
    ):
        category, party = resolve_carc(str(carc), str(group), table)
        counts.append(CarcCount(str(group), str(carc), int(count), int(total), category, party))
    by_count = sorted(counts, key=lambda c: (-c.count, -c.amount_cents, c.group_code, c.carc))
    by_amount = sorted(counts, key=lambda c: (-c.amount_cents, -c.count, c.group_code, c.carc))
    return by_count[:TOP], by_amount[:TOP]


def compute_evidence(
    period: str,
    claims: pd.DataFrame,
    adjustments: pd.DataFrame,
    lines: pd.DataFrame,
    table: CarcTable,
) -> Evidence:
    """The evidence KPIs of ``period`` from one vendor's claim rows up to and including it.

    ``claims`` holds every stored row of the vendor's claims (earlier periods too, so that a
    correction is known as one); ``adjustments`` and ``lines`` hold those of these claims.
    """
    if claims.empty:
        return Evidence(period=period)
    in_period = claims[claims["period"] == period]
    firsts = _flag_claims(first_adjudications(claims), adjustments)
    firsts = firsts[firsts["period"] == period]
    counted = firsts[firsts["primary"]]
    denied = counted[counted["denied"]]
    denied_lines = _denied_lines(counted, lines, adjustments)
    denial_adjs = _denial_adjustments(adjustments)
    denial_adjs = denial_adjs[
        denial_adjs["claim_id"].isin(denied["id"]) | denial_adjs["line_id"].isin(denied_lines["id"])
    ]
    responsible = _responsibility(denied, adjustments, table)
    by_party = _tally(responsible, "party")
    n = len(counted)
    by_count, by_amount = _top_carcs(denial_adjs, table)
    period_adjs = adjustments[adjustments["claim_id"].isin(in_period["id"])]
    unknown = sorted(
        {
            f"{g}-{c}"
            for g, c in zip(period_adjs["group_code"], period_adjs["carc"], strict=True)
            if (str(c), str(g)) not in table and (str(c), "") not in table
        }
    )
    vendor, practice = by_party.get("vendor", (0, 0)), by_party.get("practice", (0, 0))
    from_service, from_receipt = _days(counted, "service_start"), _days(counted, "received_date")
    return Evidence(
        period=period,
        adjudicated_claims=n,
        secondary_claims=int((~firsts["primary"]).sum()),
        denied_claims=len(denied),
        denial_rate=rate(len(denied), n),
        first_pass_paid_claims=int(counted["first_pass_paid"].sum()),
        first_pass_paid_rate=rate(int(counted["first_pass_paid"].sum()), n),
        payments_cents=int(in_period["payment_cents"].sum()),
        denied_cents=int(denied["charge_cents"].sum()),
        line_denials=len(denied_lines),
        line_denied_cents=int(denied_lines["charge_cents"].sum()),
        days_from_service_mean=mean_days(from_service),
        days_from_service_p90=p90_days(from_service),
        days_from_receipt_mean=mean_days(from_receipt),
        days_from_receipt_p90=p90_days(from_receipt),
        vendor_caused_denials=vendor[0],
        vendor_caused_denial_rate=rate(vendor[0], n) if n else None,
        vendor_caused_denied_cents=vendor[1],
        practice_caused_denials=practice[0],
        practice_caused_denial_rate=rate(practice[0], n) if n else None,
        practice_caused_denied_cents=practice[1],
        top_carcs_by_count=tuple(by_count),
        top_carcs_by_amount=tuple(by_amount),
        by_category=_tally(responsible, "category"),
        by_party=by_party,
        by_payer=_tally(responsible, "payer_name"),
        unknown_carcs=tuple(unknown),
    )


def frames_from_rows(
    claims: list[dict], adjustments: list[dict], lines: list[dict]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """DataFrames with the columns and dtypes :func:`compute_evidence` expects (cents int64)."""
    c = pd.DataFrame(claims, columns=list(CLAIM_COLUMNS))
    a = pd.DataFrame(adjustments, columns=list(ADJUSTMENT_COLUMNS))
    ln = pd.DataFrame(lines, columns=list(LINE_COLUMNS))
    for frame, money in ((c, ("charge_cents", "payment_cents")), (a, ("amount_cents",)),
                         (ln, ("charge_cents", "payment_cents"))):  # fmt: skip
        for column in money:
            frame[column] = frame[column].astype("int64")
    a["line_id"] = a["line_id"].astype("Int64")
    for column in ("payment_date", "received_date", "service_start"):
        c[column] = pd.to_datetime(c[column])
    return c, a, ln


# --- The loader from the stored claim payments ------------------------------------------------
def carc_table(organization_id: int) -> dict[tuple[str, str], tuple[str, str | None]]:
    """(carc, group code) -> (category, party): the shipped rows, the organization's over them."""
    table: dict[tuple[str, str], tuple[str, str | None]] = {}
    fields = ("carc", "group_code", "category", "responsible_party")
    shipped = CarcRule.objects.filter(organization__isnull=True).values_list(*fields)
    own = CarcRule.objects.filter(organization_id=organization_id).values_list(*fields)
    for carc, group, category, party in [*shipped, *own]:
        table[(carc, group)] = (category, party)
    return table


def load_frames(vendor_id: int, period: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The vendor's claim rows of ``period`` and the earlier rows of the same patient control
    numbers (so that a correction of an earlier claim is known as one), with their adjustments
    and lines, as :func:`compute_evidence` takes them."""
    in_period = ClaimPayment.objects.filter(vendor_id=vendor_id, period=period)
    claims = ClaimPayment.objects.filter(
        vendor_id=vendor_id,
        period__lte=period,
        patient_control_number__in=in_period.values("patient_control_number"),
    )
    claim_rows = list(claims.values(*CLAIM_COLUMNS))
    ids = [row["id"] for row in claim_rows]
    adjustment_rows = list(
        ClaimAdjustment.objects.filter(claim_id__in=ids).order_by("id").values(*ADJUSTMENT_COLUMNS)
    )
    line_rows = list(ServiceLine.objects.filter(claim_id__in=ids).values(*LINE_COLUMNS))
    return frames_from_rows(claim_rows, adjustment_rows, line_rows)


def vendor_evidence(vendor: Vendor, period: str) -> Evidence:
    """The evidence KPIs of one vendor (a ``Vendor``) and period from the stored remittances."""
    vendor_id, organization_id = vendor.pk, vendor.organization_id
    return compute_evidence(period, *load_frames(vendor_id, period), carc_table(organization_id))
