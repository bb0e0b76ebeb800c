"""The mempool keeps a transaction's fields in columns, as the chain does, instead of a JSON
document: admission no longer encodes each transaction and a proposer no longer decodes it."""

from django.db import migrations, models

FIELDS = ("payload", "submitted_at_ms", "submitter_key", "signature")


def copy_fields_out_of_data(apps, schema_editor):
    mempool = apps.get_model("chain", "MempoolTransaction")
    for row in mempool.objects.all():
        for name in FIELDS:
            setattr(row, name, row.data[name])
        row.save(update_fields=FIELDS)


class Migration(migrations.Migration):
    dependencies = [
        ("chain", "0003_lock_block"),
    ]

    operations = [
        migrations.AddField(
            model_name="mempooltransaction",
            name="payload",
            field=models.TextField(default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="mempooltransaction",
            name="submitted_at_ms",
            field=models.PositiveBigIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="mempooltransaction",
            name="submitter_key",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="mempooltransaction",
            name="signature",
            field=models.CharField(default="", max_length=128),
            preserve_default=False,
        ),
        migrations.RunPython(copy_fields_out_of_data, migrations.RunPython.noop),
        migrations.RemoveField(model_name="mempooltransaction", name="data"),
    ]
