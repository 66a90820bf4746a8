import time

from django.core.management.base import BaseCommand

from core import housekeeping


class Command(BaseCommand):
    help = (
        "Delete expired rows: refresh-token families, sessions, state entries, rate-limit counters "
        "(settings.HOUSEKEEPING). Run it every hour from cron or a systemd timer, or with --every."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--every", type=float, metavar="SECONDS", help="run again every SECONDS until stopped (no cron needed)"
        )

    def handle(self, *args, every: float | None = None, **options) -> None:
        while True:
            for what, deleted in housekeeping.run().items():
                self.stdout.write(f"Deleted {deleted} expired {what}.")
            if not every:
                return
            self.stdout.flush()
            time.sleep(every)
