"""The counters of the rate limiter's database store (ratelimit/middleware.py)."""

from django.db import models


class RateLimitCounter(models.Model):
    """The requests one client made to one rate-limited prefix in one window."""

    key = models.CharField(max_length=255)
    # Unix time in whole seconds, as the limiter computes windows: the row counts nothing after it.
    expires_at = models.BigIntegerField(db_index=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        # A constraint rather than unique=True: on PostgreSQL that would add a second index,
        # for LIKE queries, that no lookup here makes.
        constraints = [models.UniqueConstraint(fields=["key"], name="unique_rate_limit_counter_key")]

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
