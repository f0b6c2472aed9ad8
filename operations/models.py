"""Operations records: the transactional outbox and the task failures
(docs/architecture.md, "Cross-cutting rules").

Neither is business data: they record how the system's own machinery is doing, so they carry no
``TrackedHistory``; their columns (attempts, last error, first and last seen) are the history.
"""

from django.conf import settings
from django.db import models


class OutboxMessage(models.Model):
    """A follow-up (an email to send, a task to run) written in the transaction that caused it.

    The row commits or rolls back with the business change, so a follow-up is never lost to a
    broker that was down at commit time and never sent for a change that rolled back. On commit
    the row is handed to Celery; the sweeper re-hands rows still pending (``operations.services``).
    """

    class Kind(models.TextChoices):
        EMAIL = "email", "Email"
        TASK = "task", "Task"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"
        FAILED = "failed", "Failed (gave up)"

    # What makes two requests for a follow-up the same follow-up (e.g. "disclosure-submitted:42:
    # <submitted at>"): writing a message twice stores it once.
    key = models.CharField(max_length=255, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # Email: subject, body, html, to, message_id; task: task name, args and kwargs.
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # Who is delivering it now: the consumer's token, set by a conditional update so only one
    # consumer sends even when the message was published twice.
    claim = models.CharField(max_length=36, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When it was last handed to the broker; never (null) means the broker refused it.
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "published_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.key}: {self.get_status_display()}"

    @property
    def summary(self) -> str:
        if self.kind == self.Kind.EMAIL:
            return f"{self.payload.get('subject', '')} → {', '.join(self.payload.get('to', []))}"
        return self.payload.get("task", "")


class TaskFailure(models.Model):
    """A Celery task that raised (or ran out of retries), grouped by task and exception type.

    One row per (task, exception type) while unresolved, with a count and the latest details, so a
    failing beat task shows as one line with a growing count instead of thousands of rows.
    """

    task_name = models.CharField(max_length=200)
    task_id = models.CharField(max_length=255, blank=True, help_text="The latest failing run.")
    args = models.TextField(blank=True, help_text="Arguments of the latest failing run, truncated.")
    exception_type = models.CharField(max_length=200)
    message = models.TextField(blank=True)
    traceback = models.TextField(blank=True)
    retries_exhausted = models.BooleanField(
        default=False, help_text="The task gave up after its last retry."
    )
    count = models.PositiveIntegerField(default=1)
    first_seen = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-last_seen", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["task_name", "exception_type"],
                condition=models.Q(resolved_at__isnull=True),
                name="taskfailure_one_open_per_task_and_error",
            ),
        ]

    def __str__(self):
        return f"{self.task_name}: {self.exception_type} (x{self.count})"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None
