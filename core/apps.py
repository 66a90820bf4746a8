from django.apps import AppConfig
from django.core import checks


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from core.checks import check_state_store_keeps_entries

        checks.register(check_state_store_keeps_entries, checks.Tags.database)
