"""Settings come from environment variables alone; checked in child processes."""

import os
import re
import stat
import subprocess
from pathlib import Path

import pytest

from dangjian.testing.processes import clean_env, dangjian, dangjian_shell

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "kq3V9-p1Zr8wXy2Lm7Tn4Bd6Hs0Jf5Gc9Ra1Ue3Io8Pw2Qx7Yz4Nv6Mb0Kl5Jh1Dg3",
    "ALLOWED_HOSTS": "dangjian.example.cn",
    "DANGJIAN_BASE_URL": "https://dangjian.example.cn",
    "DANGJIAN_PROXY_SSL_HEADER": "X-Forwarded-Proto",
}


def test_deploy_check_is_clean_with_production_variables(tmp_path):
    result = dangjian("check", "--deploy", "--fail-level", "WARNING", env=clean_env(tmp_path, **PRODUCTION))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_fails_on_plain_http_defaults(tmp_path):
    result = dangjian("check", "--deploy", "--fail-level", "WARNING", env=clean_env(tmp_path))
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT" in result.stderr or "security.W008" in result.stderr


def test_secret_key_is_generated_once_kept_private_and_shared(tmp_path):
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    env = clean_env(tmp_path)
    key = dangjian_shell(code, env=env).strip()
    assert key == dangjian_shell(code, env=env).strip() and len(key) >= 50
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600
    assert dangjian_shell(code, env=clean_env(tmp_path / "other")).strip() != key


def test_embedded_default_is_sqlite_in_wal_mode_in_the_data_dir(tmp_path):
    code = (
        "from django.db import connection; c = connection.cursor(); c.execute('PRAGMA journal_mode');"
        "print(connection.vendor, c.fetchone()[0], connection.settings_dict['NAME'])"
    )
    output = dangjian_shell(code, env=clean_env(tmp_path))
    assert output.split() == ["sqlite", "wal", str(tmp_path / "dangjian.sqlite3")]


@pytest.mark.parametrize(
    "variable, value, message",
    [("DEBUG", "maybe", "DEBUG must be a boolean"), ("DANGJIAN_BASE_URL", "example.cn", "DANGJIAN_BASE_URL must be"),
     ("DANGJIAN_PORT", "80a", "DANGJIAN_PORT must be a port number"), ("DANGJIAN_PORT", "70000", "DANGJIAN_PORT must be")],
)
def test_bad_variables_say_what_is_wrong(tmp_path, variable, value, message):
    result = dangjian("check", env=clean_env(tmp_path, **{variable: value}))
    assert result.returncode != 0
    assert message in result.stderr


def test_without_a_base_url_the_site_links_to_the_port_it_is_served_on(tmp_path):
    code = "from django.conf import settings; print(settings.BASE_URL)"
    assert dangjian_shell(code, env=clean_env(tmp_path, DANGJIAN_PORT="8123")).split()[-1] == "http://127.0.0.1:8123"
    assert dangjian_shell(code, env=clean_env(tmp_path, DANGJIAN_PORT="8123", DANGJIAN_BASE_URL="https://dangjian.example.cn")
                          ).split()[-1] == "https://dangjian.example.cn"


def test_database_and_redis_are_chosen_by_variables(tmp_path):
    code = (
        "from django.conf import settings;"
        "print(settings.DATABASES['default']['ENGINE'], settings.CACHES['default']['BACKEND'])"
    )
    output = dangjian_shell(
        code, env=clean_env(tmp_path, DATABASE_URL="postgres://u@127.0.0.1:5432/x", REDIS_URL="redis://127.0.0.1:6379/3")
    )
    assert output.split() == ["django.db.backends.postgresql", "django_redis.cache.RedisCache"]


def test_every_variable_is_documented():
    import re
    from pathlib import Path

    import dangjian

    package = Path(dangjian.__file__).parent
    # The settings, and the plain modules the `dangjian` command reads before them.
    sources = "".join((package / name).read_text() for name in
                      ("settings.py", "core/management/commands/serve.py", "core/files.py", "core/logs.py"))
    names = set(re.findall(r'\benv(?:_bool|_list)?\("([A-Z_]+)"', sources)) | set(re.findall(r'environ\.get\("([A-Z_]+)"', sources))
    assert {"DATABASE_URL", "REDIS_URL", "DANGJIAN_DATA_DIR", "DANGJIAN_USER", "DANGJIAN_LOG_FORMAT"} <= names
    readme = (package.parent / "README.md").read_text()
    example = (package.parent / ".env.example").read_text()
    for name in names:
        assert f"`{name}`" in readme, f"{name} missing from README.md"
        assert re.search(rf"^{name}=", example, re.M), f"{name} missing from .env.example"


def test_env_example_as_written_gives_a_working_site(tmp_path):
    from pathlib import Path

    import dangjian as package

    example = (Path(package.__file__).parent.parent / ".env.example").read_text()
    variables = dict(
        line.split("=", 1) for line in example.splitlines() if line and not line.startswith("#")
    )
    variables["DANGJIAN_DATA_DIR"] = str(tmp_path)
    result = dangjian("check", env=clean_env(tmp_path, **variables))
    assert result.returncode == 0, result.stderr
    code = "from django.conf import settings; print(settings.ALLOWED_HOSTS[0], settings.BASE_URL, settings.CACHES['default']['KEY_PREFIX'])"
    assert dangjian_shell(code, env=clean_env(tmp_path, **variables)).split() == ["127.0.0.1", "http://127.0.0.1:8000", "dangjian"]


def test_models_and_migrations_agree(tmp_path):
    result = dangjian("makemigrations", "--check", "--dry-run", env=clean_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_mail_server_comes_from_one_url(tmp_path):
    code = (
        "from django.conf import settings as s;"
        "print(s.EMAIL_BACKEND.rsplit('.', 2)[-2], s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD,"
        " s.EMAIL_USE_SSL, s.EMAIL_USE_TLS, s.DEFAULT_FROM_EMAIL)"
    )
    url = "smtps://bot%40example.cn:p%3Ass%2Fw@mail.example.cn"
    output = dangjian_shell(code, env=clean_env(tmp_path, DANGJIAN_EMAIL_URL=url, DANGJIAN_EMAIL_FROM="news@example.cn"))
    assert output.split() == ["smtp", "mail.example.cn", "465", "bot@example.cn", "p:ss/w", "True", "False", "news@example.cn"]
    output = dangjian_shell(code.replace("s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD,", ""),
                            env=clean_env(tmp_path))
    assert output.split()[0] == "dummy"  # unset: nothing is sent
    result = dangjian("check", env=clean_env(tmp_path, DANGJIAN_EMAIL_URL="mail.example.cn"))
    assert result.returncode != 0 and "DANGJIAN_EMAIL_URL must look like" in result.stderr


def test_the_default_data_directory_is_never_inside_the_package(monkeypatch, tmp_path):
    from dangjian.core.files import PACKAGE_DIR, data_dir

    monkeypatch.delenv("DANGJIAN_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    assert data_dir() == tmp_path.resolve() / "var"
    for inside in (PACKAGE_DIR, PACKAGE_DIR / "core" / "templates"):
        monkeypatch.chdir(inside)
        assert data_dir() == PACKAGE_DIR.parent / "var"
    monkeypatch.setenv("DANGJIAN_DATA_DIR", "relative/data")
    assert data_dir() == PACKAGE_DIR / "core" / "templates" / "relative" / "data"  # an explicit path is the operator's


SECRET_NAMES = re.compile(r"(^|/)(secret_key|\.env|id_(rsa|dsa|ecdsa|ed25519))$|\.(pem|key|p12|pfx|keystore)$|(^|/)\.env\.(?!example$)")
PRIVATE_KEY_TEXT = re.compile(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----")


def looks_like_a_secret(name: str, content: bytes) -> bool:
    return bool(SECRET_NAMES.search(name) or PRIVATE_KEY_TEXT.search(content))


def test_the_secret_detector_knows_secrets_when_it_sees_them():
    for name in ("dangjian/var/secret_key", ".env", "deploy/.env.production", "certs/site.pem", "tls/site.key", "id_ed25519"):
        assert looks_like_a_secret(name, b""), name
    assert looks_like_a_secret("docs/notes.txt", b"x\n-----BEGIN OPENSSH " + b"PRIVATE KEY-----\n")
    for name in (".env.example", "deploy/dangjian.env", "dangjian/core/files.py", "docs/keys.md"):
        assert not looks_like_a_secret(name, b"SECRET_KEY=change-me"), name


def test_no_file_under_version_control_looks_like_a_secret():
    root = Path(__file__).resolve().parents[3]
    if not (root / ".git").exists():
        pytest.skip("not a git checkout")
    names = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True).stdout.decode().split("\0")
    found = [name for name in names if name and (root / name).is_file() and looks_like_a_secret(name, (root / name).read_bytes())]
    assert found == []
