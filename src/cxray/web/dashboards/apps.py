from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "cxray.web.dashboards"
    label = "dashboards"
