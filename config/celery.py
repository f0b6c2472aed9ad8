"""The Celery application. Tasks live in each app's ``tasks.py``.

Configuration comes from the ``CELERY_*`` Django settings (see ``config/settings/base.py``): the
file-system broker under ``TENDERLEAF_VAR_DIR`` by default, Redis when ``REDIS_URL`` is set. The
settings also create the file-system broker's folders, so producers work before any worker ran.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("tenderleaf")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
