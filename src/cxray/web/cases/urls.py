"""Case pages under /w/<slug>/cases/."""

from django.urls import path

from cxray.web.cases import settings_views, views

urlpatterns = [
    path("", views.cases, name="cases"),
    path("new/", views.case_create, name="case_create"),
    path("mine/", views.cases_mine, name="cases_mine"),
    path("groups/", settings_views.case_groups_view, name="case_groups"),
    path("settings/", settings_views.cases_settings, name="cases_settings"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
]
