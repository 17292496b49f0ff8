from django.urls import path

from cxray.web.audit import views

urlpatterns = [
    path("", views.audit_log, name="audit_log"),
]
