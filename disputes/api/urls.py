"""API routes of disputes, acknowledgements and action plans."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import AcknowledgeView, ActionPlanView, AttachmentDownloadView, DisputeViewSet

router = SimpleRouter()
router.register("disputes", DisputeViewSet, basename="dispute")
urlpatterns = [
    path(
        "disputes/<int:pk>/attachments/<int:attachment>/",
        AttachmentDownloadView.as_view(),
        name="api-dispute-attachment",
    ),
    path(
        "scorecards/<int:pk>/acknowledge/",
        AcknowledgeView.as_view(),
        name="api-scorecard-acknowledge",
    ),
    path(
        "remediations/<int:pk>/action-plan/",
        ActionPlanView.as_view(),
        name="api-remediation-action-plan",
    ),
    *router.urls,
]
