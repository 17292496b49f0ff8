from django.db import models


class LoginFailure(models.Model):
    """One failed login, kept for the lockout window: per user name and client address."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.CharField(max_length=45)
    at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["username", "ip", "at"], name="login_failure_lookup")]

    def __str__(self) -> str:
        return f"{self.username} from {self.ip} at {self.at:%Y-%m-%d %H:%M}"
