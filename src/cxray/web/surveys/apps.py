from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "cxray.web.surveys"
    label = "surveys"
