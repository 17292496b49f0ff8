from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from cxray.web.api.api import api
from cxray.web.dashboards import behaviour_views, scores_view, text_view
from cxray.web.dashboards import views as dashboards
from cxray.web.imports import views as imports
from cxray.web.people import views as people
from cxray.web.security.forms import ThrottledAuthenticationForm
from cxray.web.workspaces import settings_views
from cxray.web.workspaces import views as workspaces

workspace_patterns = [
    path("", dashboards.home, name="home"),
    path("scores/", scores_view.scores, name="scores"),
    path("churn/", behaviour_views.churn_money, name="churn"),
    path("drivers/", behaviour_views.drivers, name="drivers"),
    path("text/", text_view.text, name="text"),
    path("themes/", include("cxray.web.themes.urls")),
    path("research/", include("cxray.web.research.urls")),
    path("imports/", imports.imports, name="imports"),
    path("imports/<str:token>/", imports.preview, name="import_preview"),
    path("imports/run/<int:pk>/", imports.detail, name="import_detail"),
    path("people/", people.organisation, name="organisation"),
    path("people/", include("cxray.web.people.urls")),
    path("surveys/", include("cxray.web.surveys.urls")),
    path("cases/", include("cxray.web.cases.urls")),
    path("initiatives/", include("cxray.web.initiatives.urls")),
    path("journeys/", include("cxray.web.journeys.urls")),
    path("", include("cxray.web.reports.urls")),
    path("export.zip", workspaces.export, name="export"),
    path("settings/", settings_views.settings_page, name="settings"),
    path("settings/audit/", include("cxray.web.audit.urls")),
    path("settings/customers/", include("cxray.web.privacy.urls")),
    path("settings/tokens/<int:pk>/revoke/", settings_views.token_revoke, name="token_revoke"),
    path("settings/members/<int:pk>/remove/", settings_views.member_remove, name="member_remove"),
]

urlpatterns = [
    path("", workspaces.index, name="index"),
    path("workspaces/new/", workspaces.create, name="workspace_create"),
    path("w/<slug:slug>/", include(workspace_patterns)),
    path("s/", include("cxray.web.surveys.public_urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=ThrottledAuthenticationForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/v1/", api.urls),
]
