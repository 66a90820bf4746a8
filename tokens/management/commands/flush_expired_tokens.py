from django.core.management.base import BaseCommand

from tokens import families


class Command(BaseCommand):
    help = "Delete refresh-token families whose last token has expired (run daily, e.g. from cron)."

    def handle(self, *args, **options) -> None:
        deleted = families.flush_expired()
        self.stdout.write(f"Deleted {deleted} expired refresh-token families.")
