"""API routes of the judgement side (scorecards, remediations, jobs)."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()
urlpatterns = router.urls
