"""The database's state store (core/state.py): entries kept until they expire, never evicted."""

from django.db import models


class StateEntry(models.Model):
    """One thing accepted once or remembered for a while: a seen signature, a used ID token, a record."""

    key = models.CharField(max_length=200, primary_key=True)
    # JSON text: "null" for the marks that carry nothing but their key (a seen signature).
    value = models.TextField()
    # Unix time: the entry counts as absent from then on, whether or not it was purged yet.
    expires_at = models.FloatField(db_index=True)

    def __str__(self) -> str:
        return self.key
