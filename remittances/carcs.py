"""The shipped CARC table: category and responsible party of the common claim adjustment reason
codes (X12 code list 139), with the code's description.

The reasoning, per category (README "Denial responsibility"): the vendor that codes and bills
answers for what it controls, the coding (4, 5, 6, 8, 11, 97, 146, 181, 182, 234), the claim's
content and submission (16, 107, 129), filing on time (29) and not sending a claim twice (18).
The practice's front desk and clinicians answer for eligibility and registration (22, 26, 27,
31, 109, 140), authorizations and referrals (15, 197, 198, 242) and the clinical documentation
that shows medical necessity (50, 151; 252, an attachment the payer asks for, goes to the vendor
that sends it). The payer answers for its contract and benefit plan: contractual reductions (24,
45, 59, 94, 131, 253) and non-covered services (49, 96, 119, 167, 204). Deductible, coinsurance
and co-payment (1, 2, 3) are the patient's. An organization overrides any row with its own.
"""

from __future__ import annotations

# (carc, category, responsible party, description); group code blank = any group.
SHIPPED_CARCS: tuple[tuple[str, str, str, str], ...] = (
    ("1", "patient_responsibility", "patient", "Deductible amount."),
    ("2", "patient_responsibility", "patient", "Coinsurance amount."),
    ("3", "patient_responsibility", "patient", "Co-payment amount."),
    ("4", "coding", "vendor",
     "The procedure code is inconsistent with the modifier used, or a required modifier is "
     "missing."),
    ("5", "coding", "vendor",
     "The procedure code/type of bill is inconsistent with the place of service."),
    ("6", "coding", "vendor", "The procedure/revenue code is inconsistent with the patient's age."),
    ("8", "coding", "vendor",
     "The procedure code is inconsistent with the provider type/specialty (taxonomy)."),
    ("11", "coding", "vendor", "The diagnosis is inconsistent with the procedure."),
    ("15", "authorization_referral", "practice",
     "The authorization number is missing, invalid, or does not apply to the billed services or "
     "provider."),
    ("16", "billing_submission", "vendor",
     "Claim/service lacks information or has submission/billing error(s)."),
    ("18", "duplicate", "vendor", "Exact duplicate claim/service."),
    ("22", "eligibility_registration", "practice",
     "This care may be covered by another payer per coordination of benefits."),
    ("23", "other", "payer",
     "The impact of prior payer(s) adjudication including payments and/or adjustments."),
    ("24", "contractual", "payer",
     "Charges are covered under a capitation agreement/managed care plan."),
    ("26", "eligibility_registration", "practice", "Expenses incurred prior to coverage."),
    ("27", "eligibility_registration", "practice", "Expenses incurred after coverage terminated."),
    ("29", "timely_filing", "vendor", "The time limit for filing has expired."),
    ("31", "eligibility_registration", "practice",
     "Patient cannot be identified as our insured."),
    ("45", "contractual", "payer",
     "Charge exceeds fee schedule/maximum allowable or contracted/legislated fee arrangement."),
    ("49", "non_covered", "payer",
     "This is a non-covered service because it is a routine/preventive exam or a diagnostic/"
     "screening procedure done in conjunction with a routine/preventive exam."),
    ("50", "documentation_medical_necessity", "practice",
     "These are non-covered services because this is not deemed a 'medical necessity' by the "
     "payer."),
    ("59", "contractual", "payer",
     "Processed based on multiple or concurrent procedure rules."),
    ("94", "contractual", "payer", "Processed in excess of charges."),
    ("96", "non_covered", "payer", "Non-covered charge(s)."),
    ("97", "coding", "vendor",
     "The benefit for this service is included in the payment/allowance for another "
     "service/procedure that has already been adjudicated."),
    ("107", "billing_submission", "vendor",
     "The related or qualifying claim/service was not identified on this claim."),
    ("109", "eligibility_registration", "practice",
     "Claim/service not covered by this payer/contractor; send the claim to the correct payer."),
    ("119", "non_covered", "payer", "Benefit maximum for this time period or occurrence has been "
     "reached."),
    ("129", "billing_submission", "vendor", "Prior processing information appears incorrect."),
    ("131", "contractual", "payer", "Claim specific negotiated discount."),
    ("140", "eligibility_registration", "practice",
     "Patient/insured health identification number and name do not match."),
    ("146", "coding", "vendor", "Diagnosis was invalid for the date(s) of service reported."),
    ("151", "documentation_medical_necessity", "practice",
     "Payment adjusted because the payer deems the information submitted does not support this "
     "many/frequency of services."),
    ("167", "non_covered", "payer", "This (these) diagnosis(es) is (are) not covered."),
    ("181", "coding", "vendor", "Procedure code was invalid on the date of service."),
    ("182", "coding", "vendor", "Procedure modifier was invalid on the date of service."),
    ("197", "authorization_referral", "practice",
     "Precertification/authorization/notification/pre-treatment absent."),
    ("198", "authorization_referral", "practice",
     "Precertification/notification/authorization/pre-treatment exceeded."),
    ("204", "non_covered", "payer",
     "This service/equipment/drug is not covered under the patient's current benefit plan."),
    ("234", "coding", "vendor", "This procedure is not paid separately."),
    ("242", "authorization_referral", "practice",
     "Services not provided by network/primary care providers."),
    ("252", "documentation_medical_necessity", "vendor",
     "An attachment/other documentation is required to adjudicate this claim/service."),
    ("253", "contractual", "payer", "Sequestration - reduction in federal payment."),
)  # fmt: skip
