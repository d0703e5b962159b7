"""Pages of the denial-work measures (one vendor-month)."""

from django.urls import path

from worklogs import views

urlpatterns = [
    path("vendors/<int:pk>/denial-work/<str:period>/", views.denial_work, name="denial-work"),
    path(
        "vendors/<int:pk>/denial-work/<str:period>/sla.png",
        views.denial_work_sla_png,
        name="denial-work-sla-png",
    ),
    path(
        "vendors/<int:pk>/denial-work/<str:period>/ageing.png",
        views.denial_work_ageing_png,
        name="denial-work-ageing-png",
    ),
]
