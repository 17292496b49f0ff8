from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "cxray.web.people"
    label = "people"
