"""RefreshTokenFamily and RateLimitCounter now belong to the tokens and ratelimit apps.

State only: their tables are not dropped; the new apps' migrations rename them.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_refresh_token_previous_jti"),
        ("tokens", "0001_initial"),
        ("ratelimit", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="RefreshTokenFamily"),
                migrations.DeleteModel(name="RateLimitCounter"),
            ],
            database_operations=[],
        ),
    ]
