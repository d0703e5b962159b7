"""Forms of the pages: they parse and validate input; the services decide and write."""

from __future__ import annotations

from typing import Any

from django import forms

from vendors.models import DecimalMark, PricingModel, Role, Scale, Service, Vendor


def _list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class VendorForm(forms.Form):
    """A vendor's profile and compliance fields (administrators)."""

    name = forms.CharField(max_length=200)
    slug = forms.SlugField(max_length=80, required=False, help_text="Left blank: from the name.")
    services = forms.MultipleChoiceField(
        choices=Service.choices, widget=forms.CheckboxSelectMultiple
    )
    specialties = forms.CharField(required=False, help_text="Comma-separated.")
    certified_coders = forms.IntegerField(min_value=0, required=False)
    account_manager_name = forms.CharField(max_length=200, required=False)
    account_manager_email = forms.EmailField(required=False)
    account_manager_response_business_days = forms.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=0,
        required=False,
        label="Promised response (business days)",
    )
    integrations = forms.CharField(required=False, help_text="Comma-separated EHR/PM systems.")
    baa_signed_on = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="BAA signed on"
    )
    baa_expires_on = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="BAA expires on"
    )
    encryption_at_rest = forms.BooleanField(required=False)
    encryption_in_transit = forms.BooleanField(required=False)
    mfa_enforced = forms.BooleanField(required=False, label="MFA enforced")
    breach_notification_protocol = forms.BooleanField(required=False)
    breach_notification_hours = forms.IntegerField(min_value=0, required=False)
    audit_log_retention_days = forms.IntegerField(min_value=0, required=False)
    last_security_risk_assessment_on = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    data_return_on_termination = forms.BooleanField(required=False)

    def service_fields(self) -> dict[str, Any]:
        """The cleaned data as ``vendor_create`` / ``vendor_update`` keyword arguments."""
        data = dict(self.cleaned_data)
        data["specialties"] = _list(data.get("specialties") or "")
        data["integrations"] = _list(data.get("integrations") or "")
        if not data.get("slug"):
            data.pop("slug", None)
        return data


# Each pricing model's own field: the contract form shows the chosen model's only.
PRICING_FIELDS = {
    PricingModel.PERCENT_OF_COLLECTIONS.value: "percent_of_collections",
    PricingModel.PER_CLAIM.value: "fee_per_claim",
    PricingModel.FLAT_MONTHLY.value: "flat_monthly_fee",
}


class ContractForm(forms.Form):
    """A contract version's dates and pricing (its SLA terms come from the default template).

    Only the chosen pricing model's field counts: the others are cleared (sent, they are
    ignored; an amendment that changes the model leaves no fee of the old model behind).
    """

    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    currency = forms.CharField(max_length=3, initial="USD")
    pricing_model = forms.ChoiceField(choices=PricingModel.choices)
    percent_of_collections = forms.DecimalField(
        max_digits=6, decimal_places=3, required=False, label="Percent of collections (%)"
    )
    fee_per_claim = forms.DecimalField(
        max_digits=10, decimal_places=2, required=False, label="Fee per claim"
    )
    flat_monthly_fee = forms.DecimalField(
        max_digits=14, decimal_places=2, required=False, label="Flat monthly fee"
    )
    monthly_minimum = forms.DecimalField(max_digits=14, decimal_places=2, required=False)
    monthly_maximum = forms.DecimalField(max_digits=14, decimal_places=2, required=False)
    at_risk_percent = forms.DecimalField(
        max_digits=5, decimal_places=2, initial=10, label="Fee at risk (%)"
    )
    report_due_business_day = forms.IntegerField(min_value=1, max_value=23, initial=10)
    cure_period_days = forms.IntegerField(min_value=0, initial=60, label="Cure period (days)")

    def full_clean(self) -> None:
        """Fields of the other pricing models are not read at all (a typo there is no error)."""
        super().full_clean()
        chosen = self.cleaned_data.get("pricing_model") if hasattr(self, "cleaned_data") else None
        if chosen is None:
            return
        for model, name in PRICING_FIELDS.items():
            if model != chosen:
                self.cleaned_data[name] = None
                self.errors.pop(name, None)

    def pricing_groups(self) -> list[dict[str, Any]]:
        """One group per pricing model, for the template: its field, and whether it is chosen."""
        chosen = self["pricing_model"].value() or ""
        labels = dict(PricingModel.choices)
        return [
            {"model": model, "label": labels[model], "field": self[name], "chosen": model == chosen}
            for model, name in PRICING_FIELDS.items()
        ]

    def common_fields(self) -> list[Any]:
        """The fields every pricing model has, in order (the pricing model's own come apart)."""
        return [self[name] for name in self.fields if name not in PRICING_FIELDS.values()]

    def service_fields(self) -> dict[str, Any]:
        """The cleaned data as ``contract_create`` keyword arguments: blank fields left out,
        the other pricing models' fields given as None (cleared)."""
        data = {k: v for k, v in self.cleaned_data.items() if v is not None and v != ""}
        for model, name in PRICING_FIELDS.items():
            if model != self.cleaned_data.get("pricing_model"):
                data[name] = None
        return data


class AmendForm(ContractForm):
    """An amendment: the date it takes effect and the pricing from then on."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["start_date"].label = "Takes effect on"


# Roles given on the manage page; vendor users come by invitation (bound to their vendor).
PRACTICE_ROLES = [(value, label) for value, label in Role.choices if value != Role.VENDOR]


class UserForm(forms.Form):
    """A new login and its role in the current organization."""

    username = forms.CharField(max_length=150)
    email = forms.EmailField(required=False)
    password = forms.CharField(widget=forms.PasswordInput, min_length=10)
    role = forms.ChoiceField(choices=PRACTICE_ROLES)


class RoleForm(forms.Form):
    """Change a member's role."""

    role = forms.ChoiceField(choices=PRACTICE_ROLES)


class InvitationForm(forms.Form):
    """Invite a vendor user: the e-mail address that receives the link, and the vendor."""

    email = forms.EmailField(max_length=254)
    vendor = forms.ModelChoiceField(queryset=Vendor.objects.none())

    def __init__(self, *args: Any, vendors: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if vendors is not None:
            self.fields["vendor"].queryset = vendors  # type: ignore[attr-defined]


class InvitationAcceptForm(forms.Form):
    """The invitee's login: a username and the password, twice."""

    username = forms.CharField(max_length=150)
    password = forms.CharField(widget=forms.PasswordInput, strip=False)
    password_again = forms.CharField(widget=forms.PasswordInput, strip=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "The two passwords differ.")
        return data


class AliasForm(forms.Form):
    """A vendor's own header for a KPI or raw field, with the column's scale."""

    header = forms.CharField(max_length=200)
    target = forms.CharField(max_length=80, help_text="KPI code, raw field name or period.")
    scale = forms.ChoiceField(choices=Scale.choices, initial=Scale.UNDECLARED, required=False)


class DecimalMarkForm(forms.Form):
    """How a vendor's report files write decimals (part of its column mapping)."""

    decimal_mark = forms.ChoiceField(choices=DecimalMark.choices, required=False)


class MultipleFileInput(forms.ClearableFileInput):
    """A file input that takes several files (X12 835 remittances come many at a time)."""

    allow_multiple_selected = True


class ReportOrRemittanceFileField(forms.FileField):
    """One report file, or one or many 835 files (the view reads those from ``request.FILES``)."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            data = data[0] if data else None
        return super().clean(data, initial)


class UploadForm(forms.Form):
    """A report file for one vendor, or a multi-vendor file whose vendor column names each row's
    vendor (the period is read from the file unless given)."""

    vendor = forms.ModelChoiceField(
        queryset=Vendor.objects.none(), empty_label="Choose a vendor", required=False
    )
    multi_vendor = forms.BooleanField(
        required=False,
        label="Covers several vendors",
        help_text="The file's vendor column names each row's vendor; no vendor needs choosing.",
    )
    file = ReportOrRemittanceFileField(
        help_text="CSV or XLSX report, or X12 835 remittance files (one or many)."
    )
    period = forms.RegexField(
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        required=False,
        help_text="YYYY-MM; only when the file has no period column.",
    )
    decimal_mark = forms.ChoiceField(
        choices=[("", "As set for the vendor"), (".", "Point: 1,234.5"), (",", "Comma: 1.234,5")],
        required=False,
        help_text="How this file writes decimals; overrides the vendor's setting.",
    )

    def __init__(self, *args: Any, vendors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vendor"].queryset = vendors  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        """A vendor is needed unless the file is a multi-vendor file."""
        data = super().clean() or {}
        if not data.get("vendor") and not data.get("multi_vendor") and "vendor" not in self.errors:
            self.add_error(
                "vendor", "Choose the vendor this file is for, or tick Covers several vendors."
            )
        return data


class SLATermsForm(forms.Form):
    """A contract version's SLA terms on one page: each term's benchmark, warning, weight and
    minimum volume, a box to remove it, and one KPI to add (the services validate and write)."""

    VALUES = ("benchmark", "warning", "weight", "minimum_volume")

    def __init__(self, *args: Any, terms: list[Any], addable: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.terms = terms
        for term in terms:
            self._value_fields(f"t{term.pk}", term.kpi.name, term)
            self.fields[f"t{term.pk}-remove"] = forms.BooleanField(
                required=False, label=f"Remove {term.kpi.name}"
            )
        self.fields["add-kpi"] = forms.ChoiceField(
            required=False,
            label="Add a KPI",
            choices=[("", "No KPI to add"), *((k.code, k.name) for k in addable)],
        )
        self._value_fields("add", "the KPI added", None)

    def _value_fields(self, prefix: str, name: str, term: Any) -> None:
        def initial(field: str) -> Any:
            return getattr(term, field) if term is not None else None

        decimal: dict[str, Any] = {
            "max_digits": 12,
            "decimal_places": 4,
            "required": term is not None,
        }
        self.fields[f"{prefix}-benchmark"] = forms.DecimalField(
            **decimal, label=f"Benchmark of {name}", initial=initial("benchmark")
        )
        self.fields[f"{prefix}-warning"] = forms.DecimalField(
            **decimal, label=f"Warning threshold of {name}", initial=initial("warning")
        )
        self.fields[f"{prefix}-weight"] = forms.DecimalField(
            max_digits=8,
            decimal_places=2,
            required=term is not None,
            label=f"Weight of {name}",
            initial=initial("weight"),
        )
        self.fields[f"{prefix}-minimum_volume"] = forms.IntegerField(
            min_value=0,
            required=False,
            label=f"Minimum volume of {name}",
            initial=initial("minimum_volume") if term is not None else 30,
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("add-kpi"):
            for field in ("benchmark", "warning", "weight"):
                if data.get(f"add-{field}") is None and f"add-{field}" not in self.errors:
                    self.add_error(f"add-{field}", f"The KPI added needs a {field}.")
        return data

    def rows(self) -> list[dict[str, Any]]:
        """The bound fields of each term, for the template."""
        return [
            {
                "term": term,
                "fields": [self[f"t{term.pk}-{v}"] for v in self.VALUES],
                "remove": self[f"t{term.pk}-remove"],
            }
            for term in self.terms
        ]

    def add_fields(self) -> list[Any]:
        """The fields of the KPI to add."""
        return [self["add-kpi"], *(self[f"add-{v}"] for v in self.VALUES)]

    def term_values(self, term: Any) -> dict[str, Any]:
        """A term's values as posted (minimum volume left as it is when blank)."""
        data = self.cleaned_data
        values = {v: data[f"t{term.pk}-{v}"] for v in self.VALUES}
        if values["minimum_volume"] is None:
            values["minimum_volume"] = term.minimum_volume
        return values

    def removed(self, term: Any) -> bool:
        """Whether the term's Remove box is ticked."""
        return bool(self.cleaned_data.get(f"t{term.pk}-remove"))

    def added(self) -> dict[str, Any] | None:
        """The KPI to add and its values, or None."""
        data = self.cleaned_data
        if not data.get("add-kpi"):
            return None
        values = {v: data[f"add-{v}"] for v in self.VALUES}
        if values["minimum_volume"] is None:
            values["minimum_volume"] = 30
        return {"kpi": data["add-kpi"], **values}
