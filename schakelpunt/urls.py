from csp.decorators import csp_update
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from schakelpunt.health import health

from .accounts import ObtainTokenApi, home
from .token_api import LogoutApi, SystemKeyDetailApi, SystemKeyListCreateApi

api_v1: list[URLPattern | URLResolver] = [
    path("auth/token/", ObtainTokenApi.as_view(), name="auth-token"),
    path("auth/logout/", LogoutApi.as_view(), name="auth-logout"),
    path("system-keys/", SystemKeyListCreateApi.as_view(), name="system-key-list"),
    path("system-keys/<int:key_id>/", SystemKeyDetailApi.as_view(), name="system-key-detail"),
    path("", include("signals.urls")),
    path("", include("letters.urls")),
    path("", include("casefile.urls")),
    path("", include("coordination.urls")),
    path("audit/", include("audit.urls")),
]

urlpatterns = [
    path("", home, name="home"),
    path("health/", health, name="health"),
    path("accounts/", include("schakelpunt.account_urls")),
    path("systeemsleutels/", include("schakelpunt.token_urls")),
    path("signalen/", include("signals.web_urls")),
    path("casussen/", include("casefile.web_urls")),
    path("brieven/", include("letters.web_urls")),
    path("toegangslog/", include("audit.web_urls")),
    path("cijfers/", include("signals.figures_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The page and its start-up script as two answers: no inline script under the Content-Security-Policy.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    # Redoc styles itself with inline <style> (styled-components) and parses in a blob: worker. The
    # page shows only the public schema, never personal data: the one page whose policy allows that.
    path(
        "api/redoc/",
        csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]})(
            SpectacularRedocView.as_view(url_name="schema")
        ),
        name="api-redoc",
    ),
]

# Web pages: denied and not-found answers are logged like the API's.
handler403 = "schakelpunt.views.permission_denied"
handler404 = "schakelpunt.views.page_not_found"
# A database that is away answers 503, input that cannot be stored 400 (helpers.failures).
handler400 = "schakelpunt.views.bad_request"
handler500 = "schakelpunt.views.server_error"
