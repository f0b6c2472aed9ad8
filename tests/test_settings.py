"""Settings come from the environment: the embedded defaults, Redis, and production.

Each case runs in a fresh interpreter, because settings are read once per process.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

# Variables that would leak the developer's or CI's choices into the case under test.
CLEARED = (
    "DJANGO_SETTINGS_MODULE",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "CELERY_TASK_ALWAYS_EAGER",
    "TENDERLEAF_VAR_DIR",
)

PROBE = """
import json
import django
django.setup()
from django.conf import settings
from config.celery import app
conf = app.conf
print(json.dumps({
    "broker_url": conf.broker_url,
    "result_backend": conf.result_backend,
    "transport_options": conf.broker_transport_options,
    "cache_backend": settings.CACHES["default"]["BACKEND"],
    "cache_location": settings.CACHES["default"].get("LOCATION"),
    "task_serializer": conf.task_serializer,
    "result_serializer": conf.result_serializer,
    "accept_content": list(conf.accept_content),
    "task_acks_late": conf.task_acks_late,
    "task_time_limit": conf.task_time_limit,
    "task_soft_time_limit": conf.task_soft_time_limit,
    "beat_scheduler": conf.beat_scheduler,
}))
"""


def _run(args, *, settings_module="config.settings.base", **env_overrides):
    env = {key: value for key, value in os.environ.items() if key not in CLEARED}
    env.update(DJANGO_SETTINGS_MODULE=settings_module, **env_overrides)
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _probe(**env_overrides) -> dict:
    result = _run(["-c", PROBE], **env_overrides)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _production_env(tmp_path, **overrides):
    env = {
        "TENDERLEAF_VAR_DIR": str(tmp_path),
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "tenderleaf.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://tenderleaf.example.com",
        "SITE_URL": "https://tenderleaf.example.com",
        "BEHIND_TLS_PROXY": "true",
    }
    env.update(overrides)
    return env


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        settings_module="config.settings.production",
        **_production_env(tmp_path),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "secret_key",
    [
        pytest.param(None, id="unset"),
        pytest.param("tenderleaf-development-key-not-for-production", id="development key"),
        pytest.param("short-but-secret", id="too short"),
    ],
)
def test_production_settings_refuse_a_weak_secret_key(tmp_path, secret_key):
    env = _production_env(tmp_path)
    if secret_key is None:
        del env["SECRET_KEY"]
    else:
        env["SECRET_KEY"] = secret_key

    result = _run(["manage.py", "check"], settings_module="config.settings.production", **env)

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_settings_refuse_to_guess_the_host_names(tmp_path):
    env = _production_env(tmp_path)
    del env["ALLOWED_HOSTS"]

    result = _run(["manage.py", "check"], settings_module="config.settings.production", **env)

    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_redis_url_makes_redis_the_broker_result_backend_and_cache(tmp_path):
    redis_url = "redis://127.0.0.1:6379/7"

    probe = _probe(TENDERLEAF_VAR_DIR=str(tmp_path), REDIS_URL=redis_url)

    assert probe["broker_url"] == redis_url
    assert probe["result_backend"] == redis_url
    assert probe["cache_backend"] == "django.core.cache.backends.redis.RedisCache"
    assert probe["cache_location"] == redis_url
    # No file-system broker folders are made when Redis carries the messages.
    assert not (tmp_path / "broker").exists()


def test_without_redis_the_broker_is_the_file_system_under_the_var_dir(tmp_path):
    var_dir = tmp_path / "fresh-var"

    probe = _probe(TENDERLEAF_VAR_DIR=str(var_dir))

    assert probe["broker_url"] == "filesystem://"
    assert probe["result_backend"] == f"file://{var_dir / 'results'}"
    assert probe["cache_backend"] == "django.core.cache.backends.locmem.LocMemCache"
    options = probe["transport_options"]
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        folder = Path(options[key])
        assert folder.is_relative_to(var_dir), key
        assert folder.is_dir(), f"{key} was not created"


def test_celery_uses_json_time_limits_late_acks_and_the_database_scheduler(tmp_path):
    probe = _probe(TENDERLEAF_VAR_DIR=str(tmp_path), CELERY_TASK_TIME_LIMIT="120")

    assert probe["task_serializer"] == "json"
    assert probe["result_serializer"] == "json"
    assert probe["accept_content"] == ["json"]
    assert probe["task_acks_late"] is True
    assert probe["task_time_limit"] == 120
    assert probe["task_soft_time_limit"] == 25 * 60
    assert probe["beat_scheduler"] == "django_celery_beat.schedulers:DatabaseScheduler"


def test_a_task_sent_before_any_worker_ran_waits_in_the_file_system_queue(tmp_path):
    var_dir = tmp_path / "never-used"
    send = (
        "import django; django.setup()\n"
        "from vendors.tasks import vendor_contact_invite\n"
        "print(vendor_contact_invite.delay(1, 1, 'contributor').id)\n"
    )

    result = _run(["-c", send], TENDERLEAF_VAR_DIR=str(var_dir))

    assert result.returncode == 0, result.stderr
    task_id = result.stdout.strip().splitlines()[-1]
    queued = list((var_dir / "broker" / "queue").glob("*.celery.msg"))
    assert len(queued) == 1
    assert task_id in queued[0].read_text()
