from django.apps import AppConfig
from django.core import checks
from django.core.management import call_command
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts.checks import check_cache_tables

        checks.register(check_cache_tables, checks.Tags.database)
        post_migrate.connect(create_cache_tables, sender=self)


def create_cache_tables(*, using: str, verbosity: int = 1, **kwargs) -> None:
    """Create the tables of the DatabaseCaches in settings.CACHES that the database lacks."""
    # After every migrate rather than in one migration: a site that starts on Redis and later
    # drops REDIS_URL gets its cache table from its next migrate too.
    call_command("createcachetable", database=using, verbosity=verbosity)
