"""RateLimitCounter moves here from accounts: state only, its table and rows stay as they are."""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [("accounts", "0004_refresh_token_previous_jti")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="RateLimitCounter",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("key", models.CharField(max_length=255)),
                        ("expires_at", models.BigIntegerField(db_index=True)),
                        ("count", models.PositiveIntegerField(default=0)),
                    ],
                    options={
                        "constraints": [models.UniqueConstraint(fields=("key",), name="unique_rate_limit_counter_key")],
                        "db_table": "accounts_ratelimitcounter",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
