"""Backup, lose everything, restore: every page, image, user and view count is back."""

import os
import shutil

import pytest

from dangjian.testing.processes import backend_env, clean_env, dangjian, dangjian_shell

STATE = (
    "from wagtail.models import Page; from wagtail.images.models import Image;"
    "from django.contrib.auth import get_user_model; from dangjian.portal.models import ArticlePage;"
    "import os;"
    "from dangjian.cities.models import CityApplication;"
    "print(Page.objects.count(), ArticlePage.objects.live().count(), Image.objects.count(),"
    " get_user_model().objects.count(), sum(a.initial_views for a in ArticlePage.objects.all()),"
    " [a.letter.read()[:5] for a in CityApplication.objects.all()] == [b'%PDF-'],"
    " all(os.path.exists(i.file.path) for i in Image.objects.all()))"
)


def test_backup_then_delete_then_restore(tmp_path):
    with backend_env(tmp_path / "data") as env:
        sqlite = "DATABASE_URL" not in env
        assert dangjian("demo", "--articles", "5", "--cities", "1", "--city-articles", "2", env=env).returncode == 0
        before = dangjian_shell(STATE, env=env).split()
        assert before[1] == "7" and before[-2:] == ["True", "True"]  # 5 national and 2 city articles; the letter
        archive = tmp_path / "site.tar"
        made = dangjian("backup", str(archive), env=env)
        assert made.returncode == 0, made.stderr
        assert "备份已写入" in made.stdout
        assert archive.stat().st_mode & 0o777 == 0o600  # the whole database and every upload

        data = tmp_path / "data"
        shutil.rmtree(data / "media")
        shutil.rmtree(data / "private")
        if sqlite:
            for name in ("dangjian.sqlite3", "dangjian.sqlite3-wal", "dangjian.sqlite3-shm"):
                (data / name).unlink(missing_ok=True)
            assert dangjian("migrate", "-v0", env=env).returncode == 0
        else:
            dangjian_shell("from django.db import connection; connection.cursor().execute('DROP SCHEMA public CASCADE; CREATE SCHEMA public')", env=env)
        if sqlite:
            empty = "from dangjian.portal.models import ArticlePage; print(ArticlePage.objects.count())"
            assert dangjian_shell(empty, env=env).split()[-1] == "0"

        restored = dangjian("restore", str(archive), env=env)
        assert restored.returncode == 0, restored.stderr
        if sqlite:
            assert (data / "dangjian.sqlite3").stat().st_mode & 0o777 == 0o600
        assert dangjian_shell(STATE, env=env).split() == before
        assert dangjian("collectstatic", "--noinput", "-v0", env=env).returncode == 0
        page = dangjian_shell(
            "from django.test import Client; from dangjian.portal.models import ArticlePage;"
            "a = ArticlePage.objects.live().first(); r = Client().get(a.url, HTTP_HOST='localhost');"
            "print(r.status_code, a.title in r.content.decode())",
            env=env,
        )
        assert page.split()[-2:] == ["200", "True"]


def test_restore_refuses_what_is_not_a_backup(tmp_path):
    env = clean_env(tmp_path / "data")
    bogus = tmp_path / "bogus.tar"
    bogus.write_bytes(b"not a tar file at all")
    result = dangjian("restore", str(bogus), env=env)
    assert result.returncode != 0 and "恢复失败" in result.stderr
    import tarfile

    evil = tmp_path / "evil.tar"
    with tarfile.open(evil, "w") as archive:
        payload = tmp_path / "x"
        payload.write_text("x")
        archive.add(payload, arcname="../../escape.txt")
    result = dangjian("restore", str(evil), env=env)
    assert result.returncode != 0 and "unsafe" in result.stderr
    assert not (tmp_path.parent / "escape.txt").exists()


def test_restore_only_reads_members_of_the_archive(tmp_path):
    """A manifest naming a file outside the archive (an absolute path, a path leaving the
    directory, a member that is not there) is refused before anything is replaced."""
    import json
    import tarfile

    env = clean_env(tmp_path / "data")
    secret = tmp_path / "outside.sqlite3"
    secret.write_bytes(b"SQLite format 3\x00 someone else's data")
    for named in (str(secret), "../outside.sqlite3", "missing.sqlite3", "media/x.sqlite3"):
        manifest = tmp_path / "manifest.json"
        manifest.write_text(json.dumps({"format": 1, "database": {"vendor": "sqlite", "file": named}}))
        archive_path = tmp_path / "crafted.tar"
        with tarfile.open(archive_path, "w") as archive:
            archive.add(manifest, arcname="manifest.json")
        result = dangjian("restore", str(archive_path), env=env)
        assert result.returncode != 0 and "not in the archive" in result.stderr, (named, result.stderr)
    assert not (tmp_path / "data" / "dangjian.sqlite3").exists() or b"someone else" not in (tmp_path / "data" / "dangjian.sqlite3").read_bytes()


@pytest.mark.django_db
def test_files_with_secrets_or_personal_data_are_created_0600(tmp_path, settings):
    from dangjian.accounts.sms import ConsoleBackend
    from dangjian.core.files import private_file_ensure
    from dangjian.pageviews.buffer.sqlite import SqliteBuffer

    previous = os.umask(0o022)  # the usual umask: files would be world-readable
    try:
        settings.DATA_DIR = tmp_path
        ConsoleBackend().send_code("+8613800138000", "123456", 5)
        buffer = SqliteBuffer(tmp_path / "buffer.sqlite3")
        buffer.record(page_id=1, visitor_keys=["v"], rate_key="r", cap_key="c", now=1_800_000_000)
        private_file_ensure(tmp_path / "new")
    finally:
        os.umask(previous)
    for name in ("sms.log", "buffer.sqlite3", "buffer.sqlite3-wal", "new"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600, name
    # The site's database, made by migrate in a fresh data directory.
    env = clean_env(tmp_path / "site")
    assert dangjian("migrate", "-v0", env=env).returncode == 0
    for name in ("dangjian.sqlite3", "dangjian.sqlite3-wal"):
        path = tmp_path / "site" / name
        assert not path.exists() or path.stat().st_mode & 0o777 == 0o600, name
    assert (tmp_path / "site" / "dangjian.sqlite3").exists()
