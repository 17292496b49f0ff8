from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "cxray.web.audit"
    label = "audit"
