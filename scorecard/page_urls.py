"""Page URLs (server-rendered templates with htmx)."""

from django.urls import path

from .views import (
    account,
    audit,
    compare,
    dashboard,
    jobs,
    manage,
    notifications,
    remediation,
    reports_pages,
    upload,
    vendors,
)

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("organization/", dashboard.organization_switch, name="organization-switch"),
    path("vendors/", vendors.vendor_list, name="vendor-list"),
    path("vendors/new/", manage.vendor_create, name="vendor-create"),
    path("vendors/<int:pk>/", vendors.vendor_detail, name="vendor-detail"),
    path("vendors/<int:pk>/edit/", manage.vendor_edit, name="vendor-edit"),
    path("vendors/<int:pk>/trend/<slug:code>.png", vendors.vendor_trend_png, name="vendor-trend"),
    path("vendors/<int:pk>/contracts/new/", manage.contract_create, name="contract-create"),
    path("vendors/<int:pk>/aliases/", upload.aliases, name="aliases"),
    path("contracts/<int:pk>/amend/", manage.contract_amend, name="contract-amend"),
    path("compare/", compare.compare, name="compare"),
    path("upload/", upload.upload, name="upload"),
    path("upload/confirm/", upload.confirm, name="upload-confirm"),
    path("remediation/", remediation.board, name="remediation-board"),
    path("remediation/<int:pk>/move/", remediation.transition, name="remediation-transition"),
    path("compliance/", reports_pages.compliance, name="compliance"),
    path(
        "compliance/export/<slug:table>.<slug:fmt>",
        reports_pages.compliance_export,
        name="compliance-export",
    ),
    path("finance/", reports_pages.finance, name="finance"),
    path("finance/export.<slug:fmt>", reports_pages.finance_export, name="finance-export"),
    path("scorecards/<int:pk>/pdf/", jobs.pdf_request, name="scorecard-pdf"),
    path("jobs/<int:pk>/", jobs.job_status, name="job-status"),
    path("jobs/<int:pk>/download/", jobs.job_download, name="job-download"),
    path("manage/", manage.manage, name="manage"),
    path("audit/", audit.audit, name="audit"),
    path("audit/export.csv", audit.audit_export, name="audit-export"),
    path("notifications/", notifications.notification_list, name="notifications-page"),
    path(
        "notifications/read-all/",
        notifications.notifications_read_all,
        name="notifications-page-read-all",
    ),
    path(
        "notifications/<int:pk>/read/",
        notifications.notification_read,
        name="notification-page-read",
    ),
    path(
        "account/notifications/",
        notifications.notification_preferences,
        name="notification-preferences",
    ),
    path("account/password/", account.PasswordChangeView.as_view(), name="password_change"),
    path(
        "account/password/done/",
        account.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("manage/members/<int:pk>/role/", manage.member_role, name="member-role"),
    path("manage/invitations/", manage.vendor_invite, name="vendor-invite"),
    path("invitations/<str:token>/", account.invitation_accept, name="invitation-accept"),
]
