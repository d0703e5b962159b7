"""The shipped CARC table (remittances/carcs.py at the time of this migration, copied here so the
migration never changes with later edits of the module)."""

from django.db import migrations

SHIPPED = (
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
)


def load(apps, schema_editor):
    CarcRule = apps.get_model("remittances", "CarcRule")
    for carc, category, party, description in SHIPPED:
        CarcRule.objects.update_or_create(
            organization=None,
            carc=carc,
            group_code="",
            defaults={"category": category, "responsible_party": party, "description": description},
        )


def unload(apps, schema_editor):
    apps.get_model("remittances", "CarcRule").objects.filter(organization=None).delete()


class Migration(migrations.Migration):
    dependencies = [("remittances", "0002_carc_rule")]
    operations = [migrations.RunPython(load, unload)]
