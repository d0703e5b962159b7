"""Invitations of vendor users: an administrator invites, the invitee chooses a login once.

The link carries a token signed with the installation's key (``django.core.signing``, salt
``vendor-invitation``) holding the invitation's id; it expires after
``VENDOR_INVITATION_MAX_AGE_HOURS`` and is used once (``accepted_at``). The invitee's password
passes the same validators as every login (``user_create``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from vendors.models import AuditAction, Organization, Role, Vendor, VendorInvitation
from vendors.services.audit import audit_record

SALT = "vendor-invitation"
TAMPERED = "This invitation link is not valid: it is incomplete or was altered."
EXPIRED = "This invitation link has expired ({hours} hours); ask your administrator for a new one."
USED = "This invitation link was already used; sign in instead."


def _max_age_seconds() -> int:
    return int(settings.VENDOR_INVITATION_MAX_AGE_HOURS) * 3600


@transaction.atomic
def invitation_create(
    *, organization: Organization, vendor: Vendor, email: str, invited_by: Any = None
) -> tuple[VendorInvitation, str]:
    """Invite ``email`` as a vendor user of ``vendor``; returns the invitation and its token."""
    if vendor.organization_id != organization.pk:
        raise ValidationError({"vendor": f"Vendor {vendor.slug!r} is not one of {organization}."})
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": f"{email!r} is not an e-mail address."}) from exc
    invitation = VendorInvitation.objects.create(
        organization=organization, vendor=vendor, email=email, invited_by=invited_by
    )
    audit_record(
        organization_id=organization.pk,
        record=invitation,
        record_type="vendor_invitation",
        action=AuditAction.CREATED,
        reason=f"{email} invited as a vendor user of {vendor.slug}.",
        changes={"email": [None, email], "vendor": [None, vendor.pk]},
        actor=invited_by,
    )
    return invitation, invitation_token(invitation)


def invitation_token(invitation: VendorInvitation) -> str:
    """The signed token of an invitation's link."""
    return signing.TimestampSigner(salt=SALT).sign_object({"invitation": invitation.pk})


def invitation_send(*, invitation: VendorInvitation, link: str) -> None:
    """E-mail the invitation's link to the invitee."""
    hours = settings.VENDOR_INVITATION_MAX_AGE_HOURS
    mail.send_mail(
        subject=f"{invitation.organization.name} invites you to its vendor scorecard",
        message=(
            f"{invitation.organization.name} invites you to see {invitation.vendor.name}'s "
            f"scorecards and submit its reports.\n\nChoose your login here (the link works once, "
            f"for {hours} hours):\n{link}\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[invitation.email],
    )


def invitation_check(token: str) -> VendorInvitation:
    """The invitation a token names, or a refusal under ``token``: altered, expired or used."""
    signer = signing.TimestampSigner(salt=SALT)
    try:
        data = signer.unsign_object(token, max_age=_max_age_seconds())
    except signing.SignatureExpired as exc:
        hours = settings.VENDOR_INVITATION_MAX_AGE_HOURS
        raise ValidationError({"token": EXPIRED.format(hours=hours)}) from exc
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise ValidationError({"token": TAMPERED}) from exc
    pk = data.get("invitation") if isinstance(data, dict) else None
    invitation = (
        VendorInvitation.objects.select_related("organization", "vendor").filter(pk=pk).first()
        if isinstance(pk, int)
        else None
    )
    if invitation is None:
        raise ValidationError({"token": TAMPERED})
    if invitation.accepted_at is not None:
        raise ValidationError({"token": USED})
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, username: str, password: str) -> Any:
    """Create the invitee's login, a vendor user of the invitation's vendor; the link is spent."""
    from vendors.services import user_create

    found = invitation_check(token)
    invitation = VendorInvitation.objects.select_for_update().get(pk=found.pk)
    if invitation.accepted_at is not None:  # accepted meanwhile by another request
        raise ValidationError({"token": USED})
    user = user_create(
        username=username,
        password=password,
        email=invitation.email,
        organization=found.organization,
        role=Role.VENDOR,
        vendor=found.vendor,
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(
        organization_id=invitation.organization_id,
        record=invitation,
        record_type="vendor_invitation",
        action=AuditAction.UPDATED,
        reason=f"Accepted by {username}.",
        changes={"accepted_by": [None, username]},
        actor=user,
    )
    return user
