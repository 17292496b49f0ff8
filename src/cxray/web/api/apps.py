from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "cxray.web.api"
    label = "api"
