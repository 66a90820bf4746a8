from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="StateEntry",
            fields=[
                ("key", models.CharField(max_length=200, primary_key=True, serialize=False)),
                ("value", models.TextField()),
                ("expires_at", models.FloatField(db_index=True)),
            ],
        ),
    ]
