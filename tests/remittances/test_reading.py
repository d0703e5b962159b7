"""Reading 835 files: pyx12 validates, our walk extracts; every refusal says where and why."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from remittances.x12 import RemittanceRefused, read_835
from remittances.x12.validate import pyx12_errors
from tests.remittances.helpers import data


def _refusal(raw: bytes) -> list[str]:
    with pytest.raises(RemittanceRefused) as caught:
        read_835(raw)
    return [str(e) for e in caught.value.errors]


def test_paid_and_partially_paid_claims_field_by_field() -> None:
    remittance = read_835(data("paid.835"))
    assert remittance.interchange_control_number == "000000101"
    [tr] = remittance.transactions
    assert (tr.control_number, tr.total_cents, tr.payment_date) == (
        "0001",
        33000,
        dt.date(2026, 1, 15),
    )
    assert (tr.payer_name, tr.payer_id) == ("ACME HEALTH PLAN", "ACME01")
    assert (tr.payee_name, tr.payee_id_qualifier, tr.payee_id) == (
        "GOOD BILLING LLC",
        "XX",
        "1234567893",
    )
    paid, part = tr.claims
    assert (paid.patient_control_number, paid.status_code) == ("PCN-PAID", "1")
    assert (paid.charge_cents, paid.payment_cents, paid.patient_responsibility_cents) == (
        20000,
        15000,
        0,
    )
    assert (paid.claim_filing_indicator, paid.payer_claim_control_number) == ("12", "PCC0001")
    assert paid.received_date == dt.date(2026, 1, 5)
    # no DTM*232/233: the service dates are the line's DTM*472
    assert (paid.service_start, paid.service_end) == (dt.date(2026, 1, 2), dt.date(2026, 1, 2))
    assert paid.adjustments == []
    [line] = paid.lines
    assert (line.procedure_code, line.charge_cents, line.payment_cents, line.units) == (
        "HC:99213",
        20000,
        15000,
        Decimal("1"),
    )
    assert [(a.group_code, a.carc, a.amount_cents) for a in line.adjustments] == [
        ("CO", "45", 5000)
    ]
    assert (part.charge_cents, part.payment_cents, part.patient_responsibility_cents) == (
        30000,
        18000,
        4000,
    )
    assert (part.service_start, part.service_end) == (dt.date(2026, 1, 3), dt.date(2026, 1, 4))
    [line] = part.lines
    assert (line.procedure_code, line.units) == ("HC:99214:25", Decimal("2"))
    # two triples of one CAS segment are two adjustments
    assert [(a.group_code, a.carc, a.amount_cents) for a in line.adjustments] == [
        ("CO", "45", 8000),
        ("PR", "1", 3000),
        ("PR", "2", 1000),
    ]


def test_denials_at_claim_and_at_line_level() -> None:
    deny, line_deny = read_835(data("denied.835")).transactions[0].claims
    assert (deny.status_code, deny.charge_cents, deny.payment_cents) == ("4", 12000, 0)
    assert [(a.group_code, a.carc, a.amount_cents) for a in deny.adjustments] == [
        ("CO", "16", 12000)
    ]
    assert deny.remark_codes == ["MA130", "N286"]
    assert deny.lines == []
    assert (deny.service_start, deny.service_end) == (dt.date(2026, 1, 6), dt.date(2026, 1, 6))
    assert line_deny.status_code == "1"
    first, second = line_deny.lines
    assert (first.payment_cents, first.adjustments, first.service_date) == (
        10000,
        [],
        dt.date(2026, 1, 7),
    )
    assert (second.procedure_code, second.charge_cents, second.payment_cents) == (
        "HC:93000",
        15000,
        0,
    )
    assert [(a.group_code, a.carc, a.amount_cents) for a in second.adjustments] == [
        ("CO", "50", 15000)
    ]
    assert second.remark_codes == ["N115"]
    assert (line_deny.service_start, line_deny.service_end) == (
        dt.date(2026, 1, 7),
        dt.date(2026, 1, 8),
    )


def test_reversal_and_correction_keep_their_signs() -> None:
    reversal, correction = read_835(data("reversal.835")).transactions[0].claims
    assert (reversal.status_code, reversal.charge_cents, reversal.payment_cents) == (
        "22",
        -20000,
        -15000,
    )
    assert [(a.group_code, a.carc, a.amount_cents) for a in reversal.adjustments] == [
        ("CO", "45", -5000)
    ]
    assert (correction.status_code, correction.payment_cents) == ("1", 16000)
    assert correction.payer_claim_control_number == "PCC0001B"


def test_secondary_payer_and_payer_id_from_ref_2u() -> None:
    [tr] = read_835(data("secondary.835")).transactions
    assert (tr.payer_name, tr.payer_id) == ("SECOND MUTUAL", "SM777")
    [claim] = tr.claims
    assert (claim.status_code, claim.payment_cents, claim.patient_responsibility_cents) == (
        "2",
        3000,
        1000,
    )


def test_several_transactions_and_a_provider_adjustment() -> None:
    first, second = read_835(data("multi.835")).transactions
    assert (first.control_number, first.payee_id, first.total_cents) == ("0001", "1234567893", 5500)
    assert first.provider_adjustment_cents == 2500
    assert (second.control_number, second.payee_id_qualifier, second.payee_id) == (
        "0002",
        "FI",
        "123456789",
    )
    assert second.payment_date == dt.date(2026, 3, 2)
    assert second.claims[0].claim_filing_indicator == "MC"


def test_separators_are_the_isa_s() -> None:
    [tr] = read_835(data("separators.835")).transactions
    [claim] = tr.claims
    assert (claim.patient_control_number, claim.payment_cents) == ("PCN-SEP", 7500)
    assert claim.lines[0].procedure_code == "HC:99211:GT"


def test_st03_as_payers_send_it_is_read_and_another_version_refused() -> None:
    # The 5010 guide requires ST03 = 005010X221A1 (pyx12 4.0.0's map calls it "not used").
    with_st03 = data("paid.835").replace(b"ST*835*0001~", b"ST*835*0001*005010X221A1~")
    assert with_st03 != data("paid.835")
    assert pyx12_errors(with_st03.decode()) != []  # pyx12 alone refuses what payers send
    assert read_835(with_st03) == read_835(data("paid.835"))
    seps = data("separators.835").replace(b"ST|835|0001'", b"ST|835|0001|005010X221A1'")
    assert read_835(seps) == read_835(data("separators.835"))
    wrong = data("paid.835").replace(b"ST*835*0001~", b"ST*835*0001*004010X091A1~")
    assert _refusal(wrong) == [
        "Segment 3 (ST): Unknown 835 version: ST03 is '004010X091A1'; only 005010X221A1 "
        "(HIPAA 5010) is read."
    ]


# --- Refusals ------------------------------------------------------------------------------------
def test_pyx12_errors_name_segment_and_validator_words() -> None:
    raw = data("paid.835").replace(b"CLP*PCN-PAID*1*", b"CLP*PCN-PAID*77*")
    raw = raw.replace(b"DTM*472*20260102", b"DTM*472*20261302")
    assert _refusal(raw) == [
        "Segment 12 (CLP): CLP02: (77) is not a valid code for Claim Status Code (CLP02) "
        "[pyx12 code 7]",
        'Segment 16 (DTM): DTM02: Data element "Service Date" (DTM02) contains an invalid '
        "date (20261302) [pyx12 code 8]",
    ]


def test_wrong_se_segment_count() -> None:
    raw = data("paid.835").replace(b"SE*25*0001", b"SE*24*0001")
    assert _refusal(raw) == [
        "Segment 27 (SE): SE count of 24 for SE02=0001 is wrong. I count 25 [pyx12 code 4]"
    ]


def test_truncated_file() -> None:
    assert _refusal(data("paid.835")[:500]) == [
        "Segment 14 (DTM): The file is truncated: it ends with segment 14 ('DTM'), not with "
        "the IEA trailer."
    ]
    assert _refusal(data("paid.835")[:90]) == [
        "Segment 1 (ISA): The ISA segment is 90 characters; it has 106 (the file is truncated)."
    ]


def test_unknown_versions() -> None:
    assert _refusal(data("paid.835").replace(b"*00501*", b"*00401*")) == [
        "Segment 1 (ISA): Unknown X12 version: ISA12 is '00401'; only version 00501 "
        "(005010X221A1, the 835 of HIPAA 5010) is read."
    ]
    assert _refusal(data("paid.835").replace(b"005010X221A1", b"004010X091A1")) == [
        "Segment 2 (GS): Unknown 835 version: GS08 is '004010X091A1'; only 005010X221A1 "
        "(HIPAA 5010) is read."
    ]


def test_non_835_x12_file() -> None:
    raw = data("paid.835").replace(b"GS*HP", b"GS*HC").replace(b"ST*835", b"ST*837")
    assert _refusal(raw) == [
        "Segment 2 (GS): This is not an 835 remittance: GS01 is 'HC' (837 claims); an 835 "
        "group is 'HP'."
    ]
    assert _refusal(data("paid.835").replace(b"ST*835", b"ST*837")) == [
        "Segment 3 (ST): This is not an 835 remittance: ST01 is '837' (transaction set 835 is "
        "read)."
    ]


def test_binary_junk_and_control_characters() -> None:
    assert _refusal(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4) == [
        "This is not an X12 file: an X12 835 remittance starts with an ISA segment (the file "
        "starts with b'\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x01\\x02\\x03')."
    ]
    raw = data("paid.835")
    assert _refusal(raw[:200] + b"\x01" + raw[201:]) == [
        "The file is not text: character 200 is the control character '\\x01' (binary data?)."
    ]
    assert _refusal(raw[:200] + b"\xff\xfe" + raw[202:]) == [
        "The file is not text: byte 200 (b'\\xff') is not a character."
    ]
    assert _refusal(b"") == ["The file is empty."]


def test_size_limit_before_reading(settings) -> None:  # type: ignore[no-untyped-def]
    settings.REMITTANCE_MAX_BYTES = 800
    assert _refusal(data("paid.835")) == ["The file is 849 bytes; at most 800 bytes are read."]


def test_amounts_are_never_rounded_and_must_balance() -> None:
    raw = data("paid.835").replace(b"150.00**12", b"150.005**12")
    assert _refusal(raw) == [
        "Segment 12 (CLP): CLP04 '150.005' has more than two decimals; amounts are in cents."
    ]
    raw = data("paid.835").replace(b"CAS*CO*45*50.00", b"CAS*CO*45*40.00")
    assert _refusal(raw) == [
        "Segment 15 (SVC): Service line 1 of claim 'PCN-PAID' does not balance: charge 200.00 "
        "- payment 150.00 != adjustments 40.00.",
        "Segment 12 (CLP): Claim 'PCN-PAID' does not balance: charge 200.00 - payment 150.00 "
        "!= adjustments 40.00.",
    ]
    raw = data("paid.835").replace(b"BPR*I*330.00", b"BPR*I*331.00")
    assert _refusal(raw) == [
        "Segment 3 (ST): Transaction 0001 does not balance: BPR02 331.00 != claim payments "
        "minus provider adjustments 330.00."
    ]
