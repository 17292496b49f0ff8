"""People analytics under /w/<slug>/people/: attachment, employee surveys, internal NPS."""

from django.urls import path

from cxray.web.people import views

urlpatterns = [
    path("attachment/", views.attachment, name="people_attachment"),
    path("employees/", views.employees, name="people_employees"),
    path("internal/", views.internal, name="people_internal"),
]
