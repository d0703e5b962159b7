"""URL configuration: pages, the API under /api/v1/, the OpenAPI schema and docs, the admin."""

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from scorecard.api.root import APIRoot
from scorecard.views import account

# A busy database or a full disk raised outside a view still gets its 503 or 507.
handler500 = "scorecard.middleware.server_error"
# A refused page keeps the member's navigation.
handler403 = "scorecard.views.base.permission_denied"

DOCS_CSP: dict[str, Any] = {**settings.SECURE_CSP, "style-src": [CSP.SELF, CSP.UNSAFE_INLINE]}

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", account.LogoutView.as_view(), name="logout"),
    path("api/v1/", APIRoot.as_view(), name="api-root"),
    path("api/v1/", include("vendors.api.urls")),
    path("api/v1/", include("scorecard.api.urls")),
    path("api/v1/", include("remittances.api.urls")),
    path("api/v1/", include("remittances.api.carcs")),
    path("api/v1/", include("disputes.api.urls")),
    path("api/v1/", include("worklogs.measures_api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        # The split view serves its start-up script as a file; Swagger UI sets inline styles.
        csp_override(DOCS_CSP)(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path("", include("remittances.page_urls")),
    path("", include("worklogs.denial_work_urls")),
    path("", include("scorecard.page_urls")),
    path("", include("disputes.urls")),
]
