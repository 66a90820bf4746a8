"""Apply one expand-only migration to the database of DATABASE_URL, as `manage.py migrate` would.

Run by tests/cluster/test_operations_sequence.py with the cluster's environment while its
instances serve: a nullable column added to blog_comment, through the schema editor that
migrate uses (the same SQL `sqlmigrate` prints). No app gets a migration file, and
django_migrations does not record it: the cluster's database is thrown away afterwards.
Prints the SQL it ran; exits 1 if tests/deploy/expand_contract.py finds the step breaking.
"""

import sys

import django
from django.db import connection, migrations, models
from django.db.migrations.loader import MigrationLoader

from tests.deploy.expand_contract import breaking_changes


def main() -> int:
    django.setup()
    migration = migrations.Migration("9999_comment_edited_at", "blog")
    migration.operations = [migrations.AddField("comment", "edited_at", models.DateTimeField(null=True))]
    state = MigrationLoader(connection, ignore_no_migrations=True).project_state()
    breaking = breaking_changes(migration, state, connection)
    if breaking:
        print("\n".join(change.description for change in breaking))
        return 1
    # What sqlmigrate prints, then the same operation run: migrate applies a migration this way.
    with connection.schema_editor(collect_sql=True, atomic=migration.atomic) as editor:
        migration.apply(state.clone(), editor, collect_sql=True)
    print("\n".join(editor.collected_sql))
    with connection.schema_editor(atomic=migration.atomic) as editor:
        migration.apply(state, editor)
    return 0


if __name__ == "__main__":
    sys.exit(main())
