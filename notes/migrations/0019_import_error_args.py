from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notes", "0018_imports"),
    ]

    operations = [
        migrations.AddField(
            model_name="import",
            name="error_args",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
