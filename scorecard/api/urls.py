"""API routes of the judgement side (scorecards, remediations, jobs)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .jobs import JobView, ScorecardPDFView
from .notifications import NotificationViewSet
from .remediations import RemediationViewSet
from .scorecards import ScorecardViewSet

router = SimpleRouter()
# Scorecards engineer: scorecards/ (list, retrieve, what-if) and remediations/.
router.register("scorecards", ScorecardViewSet, basename="scorecard")
router.register("remediations", RemediationViewSet, basename="remediation")
# Early warning and notifications engineer: the person's own in-app notifications.
router.register("notifications", NotificationViewSet, basename="notification")
# PDF/jobs engineer: explicit paths placed before the router urls so they take precedence.
urlpatterns = [
    path("scorecards/<int:pk>/pdf/", ScorecardPDFView.as_view(), name="api-scorecard-pdf"),
    path("jobs/<int:pk>/", JobView.as_view(), name="api-job-detail"),
    *router.urls,
]
