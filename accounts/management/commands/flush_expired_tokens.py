from django.core.management.base import BaseCommand

from accounts import tokens


class Command(BaseCommand):
    help = "Delete refresh-token families whose last token has expired (run daily, e.g. from cron)."

    def handle(self, *args, **options) -> None:
        deleted = tokens.flush_expired()
        self.stdout.write(f"Deleted {deleted} expired refresh-token families.")
