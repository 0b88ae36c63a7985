"""Backup, lose everything, restore: every page, image, user and view count is back."""

import os
import shutil

import pytest

from dangjian.testing.processes import (
    clean_env,
    dangjian,
    dangjian_shell,
    scratch_database,
)

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


def databases():
    yield "sqlite"
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        yield "postgresql"


@pytest.mark.parametrize("database", list(databases()))
def test_backup_then_delete_then_restore(tmp_path, database):
    def scenario(env):
        assert dangjian("demo", "--articles", "5", "--cities", "1", "--city-articles", "2", env=env).returncode == 0
        before = dangjian_shell(STATE, env=env).split()
        assert before[1] == "7" and before[-2:] == ["True", "True"]  # 5 national and 2 city articles; the letter
        archive = tmp_path / "site.tar"
        made = dangjian("backup", str(archive), env=env)
        assert made.returncode == 0, made.stderr
        assert "备份已写入" in made.stdout

        data = tmp_path / "data"
        shutil.rmtree(data / "media")
        shutil.rmtree(data / "private")
        if database == "sqlite":
            for name in ("dangjian.sqlite3", "dangjian.sqlite3-wal", "dangjian.sqlite3-shm"):
                (data / name).unlink(missing_ok=True)
            assert dangjian("migrate", "-v0", env=env).returncode == 0
        else:
            dangjian_shell("from django.db import connection; connection.cursor().execute('DROP SCHEMA public CASCADE; CREATE SCHEMA public')", env=env)
        if database == "sqlite":
            empty = "from dangjian.portal.models import ArticlePage; print(ArticlePage.objects.count())"
            assert dangjian_shell(empty, env=env).split()[-1] == "0"

        restored = dangjian("restore", str(archive), env=env)
        assert restored.returncode == 0, restored.stderr
        assert dangjian_shell(STATE, env=env).split() == before
        assert dangjian("collectstatic", "--noinput", "-v0", env=env).returncode == 0
        page = dangjian_shell(
            "from django.test import Client; from dangjian.portal.models import ArticlePage;"
            "a = ArticlePage.objects.live().first(); r = Client().get(a.url, HTTP_HOST='localhost');"
            "print(r.status_code, a.title in r.content.decode())",
            env=env,
        )
        assert page.split()[-2:] == ["200", "True"]

    if database == "sqlite":
        scenario(clean_env(tmp_path / "data"))
    else:
        with scratch_database(os.environ["DATABASE_URL"]) as url:
            scenario(clean_env(tmp_path / "data", DATABASE_URL=url))


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
