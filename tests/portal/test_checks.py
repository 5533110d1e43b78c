"""Misconfiguration fails at start-up with a message that names the variable."""

import subprocess
import sys
from pathlib import Path

import pytest

from portal import checks

ROOT = Path(__file__).resolve().parents[2]


def run_check(env_overrides, *options):
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", **env_overrides}
    return subprocess.run(
        [sys.executable, "manage.py", "check", *options],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_refuses_to_deploy_without_secret_key_when_not_debug():
    proc = run_check({"DEBUG": "false"}, "--deploy")
    assert proc.returncode != 0
    assert "SECRET_KEY" in proc.stderr
    assert "portal.E001" in proc.stderr


def test_it_starts_with_its_keys_in_production_mode():
    proc = run_check(
        {
            "DEBUG": "false",
            "SECRET_KEY": "x" * 50,
            "PII_ENCRYPTION_KEY": "ZmDfcTF7_60GrrY167zsiPd67pEvs0aGOv2oasOM1Pg=",
            "PORTAL_BASE_URL": "https://portal.example.gov.cn",
        },
        "--deploy",
        "--fail-level",
        "ERROR",
    )
    assert proc.returncode == 0, proc.stderr


def test_it_refuses_production_without_its_own_pii_key():
    proc = run_check({"DEBUG": "false", "SECRET_KEY": "x" * 50}, "--deploy")
    assert proc.returncode != 0
    assert "portal.E007" in proc.stderr


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000", "https://localhost", "http://portal.example.gov.cn", ""]
)
def test_it_refuses_production_whose_email_links_lead_nowhere_public(settings, url):
    settings.DEBUG = False
    settings.PORTAL_BASE_URL = url
    assert [e.id for e in checks.check_base_url(None)] == ["portal.E008"]
    settings.PORTAL_BASE_URL = "https://portal.example.gov.cn"
    assert checks.check_base_url(None) == []
    # Development keeps its local default.
    settings.DEBUG = True
    settings.PORTAL_BASE_URL = "http://127.0.0.1:8000"
    assert checks.check_base_url(None) == []


def test_it_rejects_a_malformed_jurisdiction_at_import():
    proc = run_check({"DEBUG": "true", "PORTAL_JURISDICTION": "beijing"})
    assert proc.returncode != 0
    assert "PORTAL_JURISDICTION" in proc.stderr


def test_it_rejects_a_jurisdiction_below_province_level(settings):
    settings.PORTAL_JURISDICTION = "110105"
    assert [e.id for e in checks.check_jurisdiction(None)] == ["portal.E002"]
    settings.PORTAL_JURISDICTION = "310000"
    assert checks.check_jurisdiction(None) == []


def test_it_rejects_bad_throttle_rates(settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "evaluate": "lots"}
    assert "portal.E004" in [e.id for e in checks.check_throttle_rates(None)]
    settings.THROTTLE_RATES = {"evaluate": "5/min"}
    assert "portal.E003" in [e.id for e in checks.check_throttle_rates(None)]


def test_it_reads_throttle_rates_from_the_environment():
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django,os;os.environ['DJANGO_SETTINGS_MODULE']='portal.settings';"
            "from django.conf import settings;print(settings.THROTTLE_RATES['evaluate'])",
        ],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "THROTTLE_RATES": "evaluate=7/min,submit=3/hour"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.stdout.strip() == "7/min", proc.stderr


def test_it_rejects_an_unsupported_broker(settings):
    settings.CELERY_BROKER_URL = "amqp://guest@localhost//"
    assert [e.id for e in checks.check_broker(None)] == ["portal.E005"]
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    assert checks.check_broker(None) == []


def test_the_wsgi_entry_point_refuses_a_misconfiguration():
    proc = subprocess.run(
        [sys.executable, "-c", "import portal.wsgi"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DEBUG": "false"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0
    assert "portal.E001" in proc.stderr


def test_development_commands_run_without_production_keys():
    proc = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", "DEBUG": "false"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr


def _email_file_path(tmp_path, **env_overrides) -> str:
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "DEBUG": "true", **env_overrides}
    code = "import django; django.setup(); from django.conf import settings; "
    code += "print(settings.EMAIL_FILE_PATH)"
    proc = subprocess.run(
        [sys.executable, "-c", code],
        # Started from elsewhere: the mail folder must not follow the working directory.
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "portal.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip().splitlines()[-1]


def test_emails_are_written_under_the_projects_var_mail_by_default(tmp_path):
    assert _email_file_path(tmp_path) == str(ROOT / "var" / "mail")


def test_a_filemail_url_names_a_project_folder_or_an_absolute_one(tmp_path):
    assert _email_file_path(tmp_path, EMAIL_URL="filemail:///var/outbox") == str(
        ROOT / "var" / "outbox"
    )
    assert _email_file_path(tmp_path, EMAIL_URL="filemail:////srv/mail") == "/srv/mail"


def test_a_refused_request_is_logged_once_in_development():
    code = (
        "import django; django.setup(); from django.test import Client; "
        "Client().get('/no-such-page/')"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": "/tmp",
            "DEBUG": "true",
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "PYTHONPATH": str(ROOT),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.stderr.count("Not Found: /no-such-page/") == 1, proc.stderr


PRODUCTION_ENV = {
    "PATH": "/usr/bin:/bin",
    "HOME": "/tmp",
    "DEBUG": "false",
    "SECRET_KEY": "x" * 50,
    "PII_ENCRYPTION_KEY": "ZmDfcTF7_60GrrY167zsiPd67pEvs0aGOv2oasOM1Pg=",
    "PORTAL_BASE_URL": "https://portal.example.gov.cn",
    "DJANGO_SETTINGS_MODULE": "portal.settings",
    "PYTHONPATH": str(ROOT),
}


def _hsts_header(**env_overrides) -> str:
    code = (
        "import django; django.setup(); from django.test import Client; "
        "print('HSTS=' + Client().get('/no-such-page/', secure=True)"
        ".headers.get('Strict-Transport-Security', ''))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**PRODUCTION_ENV, **env_overrides},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip().splitlines()[-1].removeprefix("HSTS=")


def test_production_tells_browsers_to_come_back_over_https_only():
    assert _hsts_header() == "max-age=31536000"
    assert _hsts_header(SECURE_HSTS_SECONDS="600") == "max-age=600"
    # Development over plain http on localhost: no HSTS, which a browser would remember.
    assert _hsts_header(DEBUG="true") == ""
