from django.apps import AppConfig


class JourneysConfig(AppConfig):
    name = "cxray.web.journeys"
    label = "journeys"
