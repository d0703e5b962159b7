"""API routes of vendor facts."""

from rest_framework.routers import SimpleRouter

from . import audit, reports, views

router = SimpleRouter()
router.register("vendors", views.VendorViewSet, basename="vendor")
router.register("contracts", views.ContractViewSet, basename="contract")
router.register("kpis", views.KPIViewSet, basename="kpi")
router.register("reports", reports.ReportViewSet, basename="report")
router.register("column-aliases", reports.ColumnAliasViewSet, basename="column-alias")
router.register("audit", audit.AuditViewSet, basename="audit")
urlpatterns = router.urls
