"""Operations tasks: the outbox's consumer and sweeper. Both are idempotent (claims by conditional
update), so late acknowledgement and redelivery are safe."""

from celery import shared_task

from config.celery import task_options
from operations import services


@shared_task(**task_options(soft_time_limit=60, time_limit=90))
def outbox_deliver(message_id: int) -> str:
    """Send one outbox message; a transient failure (SMTP, database) is retried with backoff."""
    return services.outbox_deliver(message_id=message_id)


@shared_task(**task_options(soft_time_limit=120, time_limit=180, max_retries=2))
def outbox_sweep() -> int:
    """Every minute: hand the broker what it refused or lost."""
    return services.outbox_sweep()
