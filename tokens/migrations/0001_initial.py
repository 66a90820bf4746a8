"""RefreshTokenFamily moves here from accounts: state only, its table and rows stay as they are."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0004_refresh_token_previous_jti"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="RefreshTokenFamily",
                    fields=[
                        ("id", models.UUIDField(editable=False, primary_key=True, serialize=False)),
                        ("current_jti", models.CharField(max_length=64)),
                        ("previous_jti", models.CharField(blank=True, max_length=64)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("rotated_at", models.DateTimeField(blank=True, null=True)),
                        ("expires_at", models.DateTimeField(db_index=True)),
                        ("revoked_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "revoke_reason",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("logout", "logged out"),
                                    ("reuse", "an old refresh token was used again"),
                                    ("inactive", "the account is deactivated"),
                                ],
                                max_length=20,
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="refresh_token_families",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "refresh token families",
                        "db_table": "accounts_refreshtokenfamily",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
