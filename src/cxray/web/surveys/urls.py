"""Survey management pages under /w/<slug>/surveys/."""

from django.urls import path

from cxray.web.surveys import views

urlpatterns = [
    path("", views.surveys, name="surveys"),
    path("new/", views.survey_new, name="survey_new"),
    path("value/", views.survey_value, name="surveys_value"),
    path("contact-policy/", views.surveys_contact_policy, name="surveys_contact_policy"),
    path("<int:pk>/", views.survey_edit, name="survey_edit"),
    path("<int:pk>/publish/", views.survey_publish_view, name="survey_publish"),
    path("<int:pk>/close/", views.survey_close_view, name="survey_close"),
    path("<int:pk>/responses/", views.survey_responses, name="survey_responses"),
    path("<int:pk>/responses.csv", views.survey_responses_csv, name="survey_responses_csv"),
    path("<int:pk>/responses.xlsx", views.survey_responses_xlsx, name="survey_responses_xlsx"),
    path("<int:pk>/qr.svg", views.survey_qr_svg, name="survey_qr_svg"),
    path("<int:pk>/invitations/", views.survey_invitations, name="survey_invitations"),
    path("<int:pk>/remind/", views.survey_remind, name="survey_remind"),
    path("<int:pk>/qr.png", views.survey_qr_png, name="survey_qr_png"),
]
