"""Moving RefreshTokenFamily and RateLimitCounter out of accounts keeps every row: logins survive the upgrade."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE_THE_MOVE = [("accounts", "0004_refresh_token_previous_jti")]


@pytest.mark.django_db(transaction=True)
def test_families_and_counters_written_before_the_move_are_there_after_it():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_THE_MOVE)
    old_apps = executor.loader.project_state(BEFORE_THE_MOVE).apps
    user = old_apps.get_model("accounts", "User").objects.create(username="before", nickname="before")
    family_id = uuid.uuid4()
    old_apps.get_model("accounts", "RefreshTokenFamily").objects.create(
        id=family_id, user=user, current_jti="a" * 32, expires_at=datetime.now(UTC) + timedelta(days=1)
    )
    old_apps.get_model("accounts", "RateLimitCounter").objects.create(key="login:127.0.0.1", expires_at=2**40, count=3)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from ratelimit.models import RateLimitCounter
    from tokens.models import RefreshTokenFamily

    assert RefreshTokenFamily._meta.db_table == "tokens_refreshtokenfamily"
    assert RefreshTokenFamily.objects.get(pk=family_id).current_jti == "a" * 32
    assert RateLimitCounter.objects.get(key="login:127.0.0.1").count == 3
    assert "accounts_refreshtokenfamily" not in connection.introspection.table_names()
