import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Re-evaluation pipeline: the chunks of a run, each claimed exactly once."""

    dependencies = [("travellers", "0002_back_office")]
    operations = [
        migrations.CreateModel(
            name="RunChunk",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "phase",
                    models.CharField(
                        choices=[("stage", "预评估"), ("apply", "应用")],
                        max_length=8,
                        verbose_name="阶段",
                    ),
                ),
                ("number", models.PositiveIntegerField(verbose_name="序号")),
                ("declaration_ids", models.JSONField(default=list, verbose_name="申报")),
                ("changes", models.JSONField(blank=True, default=list, verbose_name="结果变化")),
                (
                    "enqueued_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="排队时间"),
                ),
                ("done_at", models.DateTimeField(blank=True, null=True, verbose_name="完成时间")),
                (
                    "run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="chunks",
                        to="travellers.reevaluationrun",
                    ),
                ),
            ],
            options={
                "verbose_name": "重新评估分片",
                "verbose_name_plural": "重新评估分片",
                "ordering": ["run", "phase", "number"],
                "indexes": [
                    models.Index(
                        condition=models.Q(("done_at__isnull", True)),
                        fields=["enqueued_at"],
                        name="run_chunk_pending_idx",
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("run", "phase", "number"), name="run_chunk_unique"
                    )
                ],
            },
        ),
    ]
