from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cxray.web.cases"
    label = "cases"
