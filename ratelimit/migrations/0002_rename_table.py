"""Give the moved table its app's name (a rename: the rows stay)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("ratelimit", "0001_initial"),
        ("accounts", "0005_models_moved_to_tokens_and_ratelimit"),
    ]

    operations = [migrations.AlterModelTable(name="ratelimitcounter", table=None)]
