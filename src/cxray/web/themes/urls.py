"""Discovered themes and reviewed reason codes under /w/<slug>/themes/."""

from django.urls import path

from cxray.web.themes import views

urlpatterns = [
    path("", views.themes, name="themes"),
    path("codes/", views.codes, name="theme_codes"),
]
