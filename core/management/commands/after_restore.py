from django.contrib.sessions.models import Session
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.sequences import advance_id_sequences

DEFAULT_SKIP = 1_000_000


class Command(BaseCommand):
    help = (
        "Run once after restoring a backup, before the site serves again (docs/production.md): move every "
        "table's next id past the ids issued since the backup, and end every session from before the restore."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--skip-ids",
            type=int,
            default=DEFAULT_SKIP,
            help=f"more ids than any table can have used since the backup (default {DEFAULT_SKIP:,})",
        )

    def handle(self, *args, skip_ids: int, **options) -> None:
        if skip_ids < 1:
            raise CommandError("--skip-ids must be a positive number of ids.")
        with transaction.atomic():
            next_ids = advance_id_sequences(by=skip_ids)
            # A logout since the backup deleted its session row, and the restore brought it back.
            sessions, _by_model = Session.objects.all().delete()
        for table, next_id in sorted(next_ids.items()):
            self.stdout.write(f"{table}: next id {next_id}")
        self.stdout.write(f"Ended {sessions} sessions: the admin's users log in again.")
