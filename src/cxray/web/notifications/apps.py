from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "cxray.web.notifications"
    label = "notifications"
