"""The leadership report (/w/<slug>/report/, .pdf) and KPI transparency (/w/<slug>/kpi/)."""

from django.urls import path

from cxray.web.reports import views

urlpatterns = [
    path("report/", views.leadership_report, name="leadership_report"),
    path("report.pdf", views.leadership_report_pdf, name="leadership_report_pdf"),
    path("kpi/", views.kpi, name="kpi"),
]
