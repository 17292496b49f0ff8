"""Public respondent pages under /s/ (no login)."""

from django.urls import path

from cxray.web.surveys import public_views

urlpatterns = [
    path("optout/<str:token>/", public_views.optout, name="survey_optout"),
    path("<str:token>/", public_views.respond, name="survey_respond"),
    path("<str:token>/thanks/", public_views.thanks, name="survey_thanks"),
    path("<str:token>/widget", public_views.widget, name="survey_widget"),
]
