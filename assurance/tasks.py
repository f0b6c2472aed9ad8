"""Assurance tasks: thin wrappers that take ids and call a service; each is safe to run twice."""

from celery import shared_task
from django.conf import settings

from assurance.history import acting_as_system
from config.celery import task_options

# Rendering has its own subprocess timeout; these bound the whole task (loading, hashing, ZIP).
BUNDLE_SOFT_TIME_LIMIT = getattr(settings, "EVIDENCE_BUNDLE_SOFT_TIME_LIMIT", 25 * 60)
BUNDLE_TIME_LIMIT = getattr(settings, "EVIDENCE_BUNDLE_TIME_LIMIT", 30 * 60)


@shared_task(**task_options(soft_time_limit=BUNDLE_SOFT_TIME_LIMIT, time_limit=BUNDLE_TIME_LIMIT))
def evidence_bundle_generate(bundle_id: int) -> str:
    """Generate one requested bundle (a pending bundle only: a redelivery does nothing)."""
    from assurance.bundles import services

    # A soft time limit inside generation fails the bundle with a message saying so.
    with acting_as_system(f"evidence bundle {bundle_id} (task)") as system:
        bundle = services.evidence_bundle_generate(bundle_id=bundle_id, actor=system)
    return bundle.status


@shared_task(**task_options(soft_time_limit=5 * 60, time_limit=6 * 60))
def audit_chain_extend() -> int:
    """Link new history records and audit events into the chain (every minute, from beat)."""
    from assurance import chain

    return chain.audit_chain_extend()
