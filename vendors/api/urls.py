"""API routes of vendor facts."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("vendors", views.VendorViewSet, basename="vendor")
router.register("contracts", views.ContractViewSet, basename="contract")
router.register("kpis", views.KPIViewSet, basename="kpi")
urlpatterns = router.urls
