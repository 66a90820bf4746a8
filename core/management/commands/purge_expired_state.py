from django.core.management.base import BaseCommand

from core import state


class Command(BaseCommand):
    help = "Delete the expired entries of the database's state store (run it daily, like clearsessions)."

    def handle(self, *args, **options) -> None:
        deleted = state.purge_expired()
        self.stdout.write(f"Deleted {deleted} expired state entries.")
