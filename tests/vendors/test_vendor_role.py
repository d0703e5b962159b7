"""The vendor role: bound to one vendor of its organization, and scoped to it by the one policy."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests.factories import ContractFactory, UserFactory, VendorFactory, member
from vendors import policy, selectors, services
from vendors.models import AuditEvent, Contract, Membership, Role, Vendor

pytestmark = pytest.mark.django_db


def test_vendor_role_needs_a_vendor_of_its_own_organization(org: Any, other_org: Any) -> None:
    acme = VendorFactory(organization=org, slug="acme")
    foreign = VendorFactory(organization=other_org, slug="zeta")
    user = UserFactory()
    with pytest.raises(ValidationError) as missing:
        services.membership_set(user=user, organization=org, role=Role.VENDOR)
    assert missing.value.message_dict == {
        "vendor": ["A vendor user must be bound to one vendor; choose it."]
    }
    with pytest.raises(ValidationError) as other:
        services.membership_set(user=user, organization=org, role=Role.VENDOR, vendor=foreign)
    assert other.value.message_dict == {
        "vendor": ["Vendor 'zeta' is not a vendor of this organization."]
    }
    with pytest.raises(ValidationError) as viewer:
        services.membership_set(user=user, organization=org, role=Role.VIEWER, vendor=acme)
    assert viewer.value.message_dict == {
        "vendor": ["Only vendor users are bound to a vendor; the viewer role is not."]
    }
    assert Membership.objects.filter(user=user).count() == 0
    made = services.membership_set(user=user, organization=org, role=Role.VENDOR, vendor=acme)
    assert (made.role, made.vendor_id) == ("vendor", acme.pk)
    event = AuditEvent.objects.get(record_type="membership", record_id=str(made.pk))
    assert event.changes == {"role": [None, "vendor"], "vendor": [None, acme.pk]}
    assert event.reason == f"{user.username} given the vendor role for vendor acme."


def test_model_clean_and_database_constraint(org: Any) -> None:
    acme = VendorFactory(organization=org, slug="acme")
    unbound = Membership(user=UserFactory(), organization=org, role=Role.VENDOR)
    with pytest.raises(ValidationError) as refused:
        unbound.full_clean()
    assert refused.value.message_dict["vendor"] == [
        "A vendor user must be bound to one vendor; choose it."
    ]
    with transaction.atomic(), pytest.raises(IntegrityError):
        unbound.save()
    bound_viewer = Membership(user=UserFactory(), organization=org, role="viewer", vendor=acme)
    with transaction.atomic(), pytest.raises(IntegrityError):
        bound_viewer.save()


def test_vendor_scope_restricts_every_scoped_read(org: Any, other_org: Any) -> None:
    acme = ContractFactory(vendor__organization=org, vendor__slug="acme").vendor
    bolt = ContractFactory(vendor__organization=org, vendor__slug="bolt").vendor
    ContractFactory(vendor__organization=other_org, vendor__slug="zeta")
    user = member(org, Role.VENDOR, vendor=acme)
    viewer = member(org, Role.VIEWER)
    assert list(selectors.vendor_list(user=user).values_list("slug", flat=True)) == ["acme"]
    assert [c.vendor.slug for c in selectors.contract_list(user=user)] == ["acme"]
    assert sorted(selectors.vendor_list(user=viewer).values_list("slug", flat=True)) == [
        "acme",
        "bolt",
    ]
    # the one function, with an explicit path, and for a model it does not know: nothing
    assert list(policy.vendor_scope(user, Vendor.objects.all(), vendor_field="pk")) == [acme]
    assert list(policy.vendor_scope(user, AuditEvent.objects.all())) == []
    assert policy.vendor_scope(viewer, AuditEvent.objects.all()).count() > 0
    # a vendor user of Acme in A who administers B sees all of B
    services.membership_set(user=user, organization=other_org, role=Role.ADMIN)
    seen = sorted(selectors.vendor_list(user=user).values_list("slug", flat=True))
    assert seen == ["acme", "zeta"]
    assert Contract.objects.filter(vendor=bolt).count() == 1
    assert policy.vendor_of(user, org.pk) == acme.pk
    assert policy.vendor_of(viewer, org.pk) is None
