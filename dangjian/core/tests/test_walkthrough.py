"""The README's production section, run as written: its commands are taken from README.md,
run as root on this machine with a real system user, PostgreSQL over its Unix socket,
Redis, nginx, and the systemd units' own commands (User, Group, UMask, EnvironmentFile,
WorkingDirectory, ExecStartPre, ExecStart) started by hand, since there is no systemd here.

What differs from a real server, and only that: files go under a scratch root instead of
/etc, /opt and /var/lib; packages are already installed (.ci/run installs them); the clone
is of this checkout; the editor step writes the test's ports and names; `createsuperuser`
gets its answers from the environment; nginx and the units are started by the test
instead of systemctl. Runs in the PostgreSQL + Redis pass, as root; .ci/run sets
DANGJIAN_REQUIRE_WALKTHROUGH=1 there, so that it fails rather than skips."""

from __future__ import annotations

import grp
import json
import os
import pwd
import re
import shutil
import stat
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from dangjian.testing.processes import free_port, stop

CHECKOUT = Path(__file__).resolve().parents[3]
USER = "dangjian"
HOST = "dangjian.example.cn"
REDIS_DB = 13
READERS = 4


def readme_commands(marker: str) -> list[str]:
    """The lines of the shell block after `marker` in README.md."""
    text = (CHECKOUT / "README.md").read_text(encoding="utf-8")
    assert marker in text, f"README.md lost its block {marker}"
    return text.split(marker, 1)[1].split("```sh\n", 1)[1].split("```", 1)[0].splitlines()


def shell_script(commands: list[str], instead: dict[str, str], relocate) -> str:
    """The README's lines, each line the test runs differently replaced: every replaced line
    must be in the README as written, so an edit there makes the test say so."""
    for line in instead:
        assert line in commands, f"the README no longer has: {line}"
    return "\n".join(relocate(instead.get(line, line)) for line in commands)


class Readers:
    """Readers fetching pages through nginx in threads, every answer's status kept."""

    def __init__(self, urls: list[str]):
        self.urls, self.statuses, self.stop = urls, [], threading.Event()
        self.threads = [threading.Thread(target=self._read, args=(n,)) for n in range(READERS)]

    def _read(self, offset: int) -> None:
        n = offset
        while not self.stop.is_set():
            try:
                status = get(self.urls[n % len(self.urls)])[0]
            except OSError as error:
                status = f"{type(error).__name__}: {error}"
            self.statuses.append(status)
            n += 1

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join()


def _requirements() -> str | None:
    if os.geteuid() != 0:
        return "needs root (creates a system user)"
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
        return "runs in the PostgreSQL + Redis pass"
    for tool in ("useradd", "userdel", "runuser", "nginx", "redis-cli", "git"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    if not os.access("/usr/bin/python3", os.X_OK):
        return "needs the distribution's /usr/bin/python3"
    try:
        pwd.getpwnam("www-data")
    except KeyError:
        return "needs nginx's www-data user"
    return None


def _scratch_user_left_over() -> bool:
    """A user of an earlier, interrupted run (its home is a scratch root) may be removed;
    anyone else's `dangjian` user is left alone and the test does not run."""
    try:
        home = pwd.getpwnam(USER).pw_dir
    except KeyError:
        return True
    if home.startswith(tempfile.gettempdir() + "/"):
        _remove_user()
        return True
    return False


def _remove_user() -> None:
    subprocess.run(["userdel", USER], capture_output=True)
    subprocess.run(["groupdel", USER], capture_output=True)


def _postgres(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["runuser", "-u", "postgres", "--", *args], capture_output=True, text=True)


def read_unit(path: Path) -> dict[str, list[str]]:
    """The [Service] settings of a systemd unit, each key's values in order."""
    values: dict[str, list[str]] = {}
    section = ""
    for line in path.read_text().splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            values.setdefault(key, []).append(value)
    return values


def read_environment_file(path: Path) -> dict[str, str]:
    """As systemd reads EnvironmentFile=: KEY=VALUE lines, the last of a key wins."""
    env = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            env[key.strip()] = value
    return env


class Units:
    """The deploy/ units, started the way systemd starts them."""

    def __init__(self, directory: Path, relocate):
        self.directory, self.relocate, self.running = directory, relocate, {}

    def _spawn(self, unit: dict[str, list[str]], command: str, **popen):
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
        env.update(read_environment_file(Path(self.relocate(unit["EnvironmentFile"][0]))))
        return subprocess.Popen(
            self.relocate(command).split(), env=env, cwd=self.relocate(unit["WorkingDirectory"][0]),
            user=unit["User"][0], group=unit["Group"][0], extra_groups=[], umask=int(unit["UMask"][0], 8), **popen,
        )

    def start(self, name: str, log: Path) -> None:
        unit = read_unit(self.directory / f"{name}.service")
        for command in unit.get("ExecStartPre", []):
            pre = self._spawn(unit, command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            output = pre.communicate(timeout=300)[0]
            assert pre.returncode == 0, output
        self.running[name] = self._spawn(unit, unit["ExecStart"][0], stdout=log.open("ab"), stderr=subprocess.STDOUT)

    def stop(self, name: str) -> None:
        stop(self.running.pop(name), timeout=30)

    def stop_all(self) -> None:
        for name in list(self.running):
            self.stop(name)


def get(url: str, **headers: str) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers={"Host": HOST, **headers})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def wait_for(check, what: str, seconds: float = 90):
    deadline = time.monotonic() + seconds
    while True:
        try:
            result = check()
            if result:
                return result
        except OSError:
            pass
        assert time.monotonic() < deadline, f"timed out: {what}"
        time.sleep(0.5)


def admin_upload_image(base: str, password: str) -> None:
    """Log in to the admin through nginx and upload an image, as an editor does."""
    import http.cookiejar
    import io
    import uuid

    from PIL import Image

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def send(path: str, data: bytes | None = None, content_type: str = "application/x-www-form-urlencoded") -> str:
        headers = {"Host": HOST, "Referer": base + path} | ({"Content-Type": content_type} if data else {})
        with opener.open(urllib.request.Request(base + path, data=data, headers=headers), timeout=30) as response:
            return response.read().decode()

    def token(html: str) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    login = token(send("/admin/login/"))
    send("/admin/login/", urllib.parse.urlencode({"csrfmiddlewaretoken": login, "username": "admin", "password": password}).encode())
    form = token(send("/admin/images/add/"))
    png = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 16, 46)).save(png, "PNG")
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in {"csrfmiddlewaretoken": form, "title": "升级后上传", "description": "升级后上传的图片"}.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="upload.png"\r\n'
                 f"Content-Type: image/png\r\n\r\n".encode() + png.getvalue() + f"\r\n--{boundary}--\r\n".encode())
    send("/admin/images/add/", b"".join(parts), f"multipart/form-data; boundary={boundary}")
    assert "升级后上传" in send("/admin/images/"), "the upload is not in the image library"


def redis(*args: str) -> str:
    return subprocess.run(["redis-cli", "-n", str(REDIS_DB), *args], capture_output=True, text=True, check=True).stdout.strip()


def owned_by_the_service(root: Path, uid: int) -> list[str]:
    """Paths below `root` that the service user does not own."""
    wrong = [str(root)] if root.stat().st_uid != uid else []
    for directory, folders, files in os.walk(root):
        for name in folders + files:
            path = Path(directory, name)
            if path.lstat().st_uid != uid:
                wrong.append(f"{path} ({pwd.getpwuid(path.lstat().st_uid).pw_name})")
    return wrong


def test_the_readme_production_section_works_as_written(tmp_path):
    reason = _requirements()
    if reason:
        if os.environ.get("DANGJIAN_REQUIRE_WALKTHROUGH") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    if not _scratch_user_left_over():
        pytest.skip(f"this machine already has a user {USER} of its own")
    if _postgres("psql", "-tAc", f"SELECT 1 FROM pg_roles WHERE rolname = '{USER}'").stdout.strip():
        pytest.skip(f"this machine's PostgreSQL already has a role {USER}")

    # A scratch root every user can walk into, as / is.
    root = Path(tempfile.mkdtemp(prefix="walkthrough-"))
    root.chmod(0o755)
    (root / "etc/redis").mkdir(parents=True)
    (root / "etc/redis/redis.conf").write_text("bind 127.0.0.1\n")
    for folder in ("etc/nginx/sites-available", "etc/nginx/sites-enabled", "etc/systemd/system", "opt", "var/lib"):
        (root / folder).mkdir(parents=True, exist_ok=True)

    def relocate(text: str) -> str:
        return re.sub(r"(?<![\w.])/(etc|opt|var/lib)/", lambda m: f"{root}/{m.group(1)}/", text)

    # The clone's origin: the upgrade pulls a new commit from it.
    upstream = root / "upstream"
    subprocess.run(["git", "clone", "-q", str(CHECKOUT), str(upstream)], check=True)
    app_port, web_port = free_port(), free_port()
    wrapper = root / "nginx.conf"
    wrapper.write_text(
        f"user www-data;\npid {root}/nginx.pid;\nerror_log {root}/nginx-error.log;\nevents {{}}\n"
        f"http {{\n  include /etc/nginx/mime.types;\n  access_log {root}/nginx-access.log;\n"
        f"  include {root}/etc/nginx/sites-enabled/*;\n}}\n"
    )
    data = root / "var/lib/dangjian"
    env_file = root / "etc/dangjian/dangjian.env"
    site_settings = {
        "DANGJIAN_DATA_DIR": str(data), "DANGJIAN_BASE_URL": f"http://{HOST}:{web_port}", "ALLOWED_HOSTS": HOST,
        "DANGJIAN_PORT": str(app_port), "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}", "DANGJIAN_SSL_REDIRECT": "0",
    }
    # Each line the test does differently, exactly as the README has it: a README edit that
    # changes one makes the test say so rather than silently run something else.
    instead = {
        "apt-get install -y git python3-venv postgresql redis-server nginx fonts-noto-cjk": "true  # packages installed by .ci/run",
        "git clone 仓库地址 /opt/dangjian": f"git clone -q {upstream} /opt/dangjian",
        "cd /opt/dangjian && python3 dev.py setup": "cd /opt/dangjian && /usr/bin/python3 dev.py setup >/dev/null",
        "systemctl restart redis-server": "true  # the test's Redis keeps running",
        "editor /etc/dangjian/dangjian.env": "printf '%s\\n' " + " ".join(f"'{k}={v}'" for k, v in site_settings.items()) + " >> /etc/dangjian/dangjian.env",
        ".venv/bin/dangjian createsuperuser": ".venv/bin/dangjian createsuperuser --noinput --username admin --email admin@example.cn",
        f".venv/bin/dangjian nginx_config --server-name {HOST} > /etc/nginx/sites-available/dangjian":
            f".venv/bin/dangjian nginx_config --server-name {HOST} --listen 127.0.0.1:{web_port} > /etc/nginx/sites-available/dangjian",
        "nginx -t && systemctl reload nginx": f"nginx -t -c {wrapper} && nginx -c {wrapper}",
        "systemctl daemon-reload": "true  # no systemd here",
        "systemctl enable --now dangjian-web dangjian-worker dangjian-scheduler": "true  # the test starts the units",
    }
    script = shell_script(readme_commands("<!-- production-walkthrough -->"), instead, relocate)

    units = Units(root / "etc/systemd/system", relocate)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("DANGJIAN_") and k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}},
           "DJANGO_SUPERUSER_PASSWORD": "walk-Through-password-1"}
    redis("FLUSHDB")
    try:
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=root, env=env, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stdout + done.stderr
        service = pwd.getpwnam(USER)
        assert service.pw_uid < 1000 and service.pw_shell == "/usr/sbin/nologin"  # a system user
        assert "www-data" in grp.getgrnam(USER).gr_mem
        assert "appendonly yes\nappendfsync everysec\n" in (root / "etc/redis/redis.conf").read_text()
        mode = env_file.stat()
        assert (stat.S_IMODE(mode.st_mode), mode.st_uid, mode.st_gid) == (0o640, 0, service.pw_gid)
        assert "change-me" not in env_file.read_text()
        assert stat.S_IMODE(data.stat().st_mode) == 0o750

        for unit in ("dangjian-web", "dangjian-worker", "dangjian-scheduler"):
            units.start(unit, root / f"{unit}.log")
        base = f"http://127.0.0.1:{web_port}"
        wait_for(lambda: get(base + "/healthz")[0] == 200, "the site through nginx")

        def as_root(*args: str) -> subprocess.CompletedProcess:
            """A dangjian command as the README runs them: root, with the environment file loaded."""
            command = "set -a; . /etc/dangjian/dangjian.env; set +a; /opt/dangjian/.venv/bin/dangjian " + " ".join(args)
            return subprocess.run(["bash", "-c", relocate(command)], env=env, capture_output=True, text=True, timeout=600)

        # Root's commands run as the service user.
        whoami = as_root("shell", "--no-imports", "-c", "'import os; print(os.geteuid(), os.getegid())'")
        assert whoami.stdout.split() == [str(service.pw_uid), str(service.pw_gid)], whoami.stderr
        assert "True" in as_root("shell", "--no-imports", "-c", "'from django.contrib.auth import get_user_model; print(get_user_model().objects.get(username=\"admin\").is_superuser)'").stdout

        loaded = as_root("demo", "--articles", "3", "--cities", "0")
        assert loaded.returncode == 0, loaded.stderr
        status, _headers, home = get(base + "/")
        assert status == 200
        article = re.search(r'href="(/a/\d+/)"', home).group(1)
        assert get(base + article)[0] == 200
        status, headers, page = get(base + article)
        assert (status, headers.get("X-Page-Cache")) == (200, "HIT-nginx") and "浏览" in page  # nginx reads the web's cache files
        assert get(base + "/static/pageviews/beacon.js")[0] == 200  # and the collected static files
        wait_for(lambda: json.loads(get(base + "/readyz?full=1")[2])["checks"] == {"database": "ok", "cache": "ok", "scheduler": "ok", "worker": "ok"},
                 "the worker's and the scheduler's heartbeats")
        # The demo's jobs (search indexing among them) were queued after its transactions
        # committed: none failed for reading a row not yet there.
        wait_for(lambda: redis("LLEN", "rq:queue:default") == "0" and redis("ZCARD", "rq:wip:default") == "0", "the demo's jobs")
        assert int(redis("ZCARD", "rq:finished:default")) > 0 and redis("ZCARD", "rq:failed:default") == "0"
        assert owned_by_the_service(data, service.pw_uid) == []

        # Backup and restore, run as root with the web stopped, as the README says.
        archive = data / "site.tar"
        assert as_root("backup", str(archive)).returncode == 0
        units.stop("dangjian-web")
        restored = as_root("restore", str(archive))
        assert restored.returncode == 0, restored.stderr
        units.start("dangjian-web", root / "dangjian-web.log")
        wait_for(lambda: get(base + article)[0] == 200, "the article after the restore")
        admin_upload_image(base, env["DJANGO_SUPERUSER_PASSWORD"])  # the web writes into the restored media
        uploaded = list((data / "media" / "original_images").glob("upload*.png"))
        assert len(uploaded) == 1 and uploaded[0].stat().st_uid == service.pw_uid
        assert get(base + "/media/original_images/" + uploaded[0].name)[0] == 200  # nginx serves it
        assert owned_by_the_service(data, service.pw_uid) == []

        # An upgrade with one migration and a template change, as the README says, while
        # readers keep reading through nginx: no answer but 2xx.
        migrations = upstream / "dangjian/core/migrations"
        latest = sorted(path.stem for path in migrations.glob("0*.py"))[-1]
        (migrations / "0900_upgrade_probe.py").write_text(
            "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
            f"    dependencies = [('core', '{latest}')]\n"
            "    operations = [migrations.RunSQL('CREATE TABLE upgrade_probe (id integer)', 'DROP TABLE upgrade_probe')]\n"
        )
        base_template = upstream / "dangjian/portal/templates/portal/base.html"
        base_template.write_text(base_template.read_text() + "<!-- upgraded -->\n")
        subprocess.run(["git", "-C", str(upstream), "add", "-A"], check=True)
        subprocess.run(["git", "-C", str(upstream), "-c", "user.name=t", "-c", "user.email=t@example.cn", "commit", "-qm", "probe"], check=True)
        upgrade = shell_script(readme_commands("<!-- upgrade -->"), {
            "cd /opt/dangjian && git pull && python3 dev.py setup": "cd /opt/dangjian && git pull -q && /usr/bin/python3 dev.py setup >/dev/null",
            "systemctl restart dangjian-worker dangjian-scheduler": "true  # the test restarts them below",
        }, relocate)
        old_workers = {unit: units.running[unit].pid for unit in ("dangjian-worker", "dangjian-scheduler")}
        with Readers([base + "/", base + article, base + "/?page=2", base + article + "?from=upgrade"]) as readers:
            done = subprocess.run(["bash", "-euo", "pipefail", "-c", upgrade], cwd=root, env=env, capture_output=True, text=True, timeout=900)
            for unit in old_workers:
                units.stop(unit)
                units.start(unit, root / f"{unit}.log")
            wait_for(lambda: "<!-- upgraded -->" in get(base + article)[2], "the new template on the article page")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "The web runs the new code" in done.stdout or "新代码" in done.stdout, done.stdout
        failed = [status for status in readers.statuses if not (isinstance(status, int) and 200 <= status < 300)]
        print(f"upgrade under load: {len(readers.statuses)} answers, {len(failed)} not 2xx")
        assert len(readers.statuses) > 100 and failed == []
        assert _postgres("psql", "-d", USER, "-tAc", "SELECT to_regclass('upgrade_probe') IS NOT NULL").stdout.strip() == "t"
        assert owned_by_the_service(data, service.pw_uid) == []
    except BaseException:
        for log in sorted(root.glob("*.log")):
            print(f"== {log.name}\n{log.read_text(errors='replace')[-3000:]}")
        raise
    finally:
        units.stop_all()
        subprocess.run(["nginx", "-c", str(wrapper), "-s", "stop"], capture_output=True)
        _postgres("dropdb", "--if-exists", "--force", USER)
        _postgres("dropuser", "--if-exists", USER)
        _remove_user()
        subprocess.run(["redis-cli", "-n", str(REDIS_DB), "FLUSHDB"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
