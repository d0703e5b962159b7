"""Page URLs of disputes, acknowledgements and action plans."""

from django.urls import path

from . import views

urlpatterns = [
    path("disputes/", views.dispute_list, name="dispute-list"),
    path("disputes/<int:pk>/", views.dispute_detail, name="dispute-detail"),
    path("disputes/<int:pk>/<slug:step>/", views.dispute_step, name="dispute-step"),
    path(
        "disputes/<int:pk>/files/<int:attachment>/",
        views.attachment_download,
        name="dispute-attachment",
    ),
    path(
        "scorecards/<int:pk>/acknowledge/",
        views.scorecard_acknowledge,
        name="scorecard-acknowledge",
    ),
    path("scorecards/<int:pk>/dispute/", views.scorecard_dispute, name="scorecard-dispute"),
    path("remediation/<int:pk>/action-plan/", views.action_plan, name="action-plan"),
]
