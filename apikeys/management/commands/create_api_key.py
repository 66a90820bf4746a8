"""``manage.py create_api_key --user USERNAME --scopes posts:write,comments:write [--days N]``."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from apikeys import services


class Command(BaseCommand):
    help = "Create an API key for a user; print its key id and its secret (shown only now) on two lines."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="The username the key acts as")
        parser.add_argument(
            "--scopes", required=True, help="Comma-separated: posts:read,posts:write,comments:write,introspect"
        )
        parser.add_argument("--days", type=int, default=services.DEFAULT_DAYS, help="Days until it expires")
        parser.add_argument("--label", default="", help="What the key is for")

    def handle(self, *args, user: str, scopes: str, days: int, label: str, **options) -> None:
        account = User.objects.filter(username=user, is_active=True).first()
        if account is None:
            raise CommandError(f"No active user {user!r}")
        try:
            key, secret = services.api_key_create(
                creator=None, user=account, scopes=services.parse_scopes(scopes), days=days, label=label
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(key.key_id)
        self.stdout.write(secret)
