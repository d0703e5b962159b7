"""API routes of the denial-work measures (read-only)."""

from rest_framework.routers import SimpleRouter

from worklogs.measures_api import DenialWorkViewSet

router = SimpleRouter()
router.register("denial-work", DenialWorkViewSet, basename="denial-work-measures")
urlpatterns = router.urls
