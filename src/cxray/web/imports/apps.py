from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "cxray.web.imports"
    label = "imports"
