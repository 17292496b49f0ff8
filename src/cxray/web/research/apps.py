from django.apps import AppConfig


class ResearchConfig(AppConfig):
    name = "cxray.web.research"
    label = "research"
