"""API routes of the payers' evidence."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("remittances", views.RemittanceFileViewSet, basename="remittance")
router.register("claim-payments", views.ClaimPaymentViewSet, basename="claim-payment")
router.register("payee-mappings", views.PayeeMappingViewSet, basename="payee-mapping")
urlpatterns = router.urls
