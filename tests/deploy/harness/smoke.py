"""Insert, read, update and delete one row of every model, then roll it all back.

Run with the previous release's code (its tree first on PYTHONPATH, DATABASE_URL set) by
tests/deploy/test_previous_release_on_new_schema.py: the ORM then names every column that
release knows, in every kind of statement it sends. Prints each model that fails and exits 1.
"""

import datetime
import decimal
import sys
import uuid

import django

SAMPLES = {
    "CharField": "x",
    "TextField": "x",
    "SlugField": "x",
    "EmailField": "x@example.com",
    "URLField": "https://example.com/",
    "GenericIPAddressField": "127.0.0.1",
    "BooleanField": True,
    "AutoField": 1,
    "BigAutoField": 1,
    "SmallAutoField": 1,
    "IntegerField": 1,
    "BigIntegerField": 1,
    "SmallIntegerField": 1,
    "PositiveIntegerField": 1,
    "PositiveBigIntegerField": 1,
    "PositiveSmallIntegerField": 1,
    "FloatField": 1.0,
    "DecimalField": decimal.Decimal(1),
    "UUIDField": uuid.uuid4,
    "DateTimeField": lambda: datetime.datetime.now(datetime.UTC),
    "DateField": datetime.date.today,
    "TimeField": datetime.time(12),
    "DurationField": datetime.timedelta(seconds=1),
    "BinaryField": b"x",
    "JSONField": dict,
}


def sample(field):
    """Return a value the field's column accepts: its default, else one of its type (a related row's key)."""
    if field.has_default():
        return field.get_default()
    if field.is_relation:
        return sample(field.target_field)
    value = SAMPLES[field.get_internal_type()]
    return value() if callable(value) else value


def exercise(model) -> None:
    """Insert, read, update and delete one row, as this release's ORM writes those statements."""
    meta = model._meta
    # The database numbers auto-incremented keys, as it does for every insert of the release.
    writable = [f for f in meta.concrete_fields if not (f.primary_key and f.get_internal_type().endswith("AutoField"))]
    row = model(**{field.attname: sample(field) for field in writable})
    model._base_manager.bulk_create([row])
    rows = model._base_manager.filter(pk=row.pk)
    assert len(rows) == 1, f"the row inserted is not found by its primary key {row.pk!r}"
    rows.update(**{field.attname: sample(field) for field in writable if not field.primary_key})
    rows.delete()


def main() -> int:
    django.setup()
    from django.apps import apps
    from django.db import transaction

    failures = []
    with transaction.atomic():
        models = [
            model
            for model in apps.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy
        ]
        for model in models:
            try:
                with transaction.atomic():
                    exercise(model)
            except Exception as error:  # every failure is the finding: report it and go on
                failures.append(f"{model._meta.label} ({model._meta.db_table}): {type(error).__name__}: {error}")
        transaction.set_rollback(True)
    for failure in failures:
        print(failure)
    print(f"{len(models) - len(failures)} of {len(models)} models inserted, read, updated and deleted")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
