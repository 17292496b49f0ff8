from django.apps import AppConfig


class InitiativesConfig(AppConfig):
    name = "cxray.web.initiatives"
    label = "initiatives"
