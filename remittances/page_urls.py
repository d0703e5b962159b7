"""Pages of the payers' evidence."""

from django.urls import path

from remittances import views

urlpatterns = [
    path("vendors/<int:pk>/denials/<str:period>/", views.vendor_denials, name="vendor-denials"),
    path(
        "vendors/<int:pk>/denials/<str:period>.png",
        views.vendor_denials_png,
        name="vendor-denials-png",
    ),
]
