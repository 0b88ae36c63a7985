"""Media on S3-compatible object storage (core/objectstorage.py): a site on a real S3 server
(moto's) serves its images from the bucket and its documents through signed URLs only."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from urllib.parse import urlsplit, urlunsplit

import pytest

from dangjian.core.objectstorage import StorageURLError, storages_for
from dangjian.core.tests.documents import documents_make
from dangjian.testing.processes import backend_env, dangjian, served_site
from dangjian.testing.s3 import s3_server


def test_the_storage_url_names_bucket_prefix_endpoint_and_public_address():
    public, private, origin = storages_for("s3://media/portal?endpoint=http://10.0.0.5:9000&region=cn-north-1")
    assert public["OPTIONS"]["location"] == "portal/media" and private["OPTIONS"]["location"] == "portal/private"
    assert public["OPTIONS"]["querystring_auth"] is False and public["OPTIONS"]["default_acl"] == "public-read"
    assert private["OPTIONS"]["querystring_auth"] is True and private["OPTIONS"]["default_acl"] == "private"
    assert public["OPTIONS"]["addressing_style"] == "path" and origin == "http://10.0.0.5:9000"
    public, _private, origin = storages_for("s3://media?public_url=https://img.example.cn/")
    assert (public["OPTIONS"]["custom_domain"], public["OPTIONS"]["location"]) == ("img.example.cn", "media")
    assert origin == "https://img.example.cn"
    for wrong in ("media/portal", "http://media/portal", "s3:///portal", "s3://media?endpiont=http://x"):
        with pytest.raises(StorageURLError):
            storages_for(wrong)


def fetch(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        with urllib.request.build_opener(NoRedirect()).open(urllib.request.Request(url, headers=headers or {}), timeout=10) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def test_a_site_on_object_storage_serves_images_from_the_bucket_and_documents_by_signed_url_only(tmp_path):
    with s3_server() as (s3_env, endpoint), backend_env(tmp_path, **s3_env) as env:
        assert dangjian("demo", "--articles", "3", "--cities", "0", env=env).returncode == 0
        assert not any(path.is_file() for path in (tmp_path / "media").rglob("*"))  # nothing on this host's disk
        made = documents_make(env)
        (public_doc, _name), (private_doc, _name) = made["public"], made["private"]
        with served_site(env) as (base, _server):
            status, headers, html = fetch(base + "/")
            assert status == 200
            images = [src for src in re.findall(r'<img[^>]+src="([^"]+)"', html.decode()) if not src.startswith("/static/")]
            assert images and all(src.startswith(f"{endpoint}/dangjian-media/site/media/") for src in images), images
            status, image_headers, _body = fetch(images[0])
            assert status == 200 and image_headers["content-type"].startswith("image/")
            img_src = re.search(r"img-src ([^;]+)", headers["content-security-policy"]).group(1)
            assert endpoint in img_src.split()

            status, headers, _body = fetch(base + public_doc)
            assert status == 302
            signed = headers["location"]
            assert signed.startswith(f"{endpoint}/dangjian-media/site/private/documents/") and "Signature" in signed
            assert fetch(signed)[:3:2] == (200, "公开的通知。".encode())
            unsigned = urlunsplit(urlsplit(signed)._replace(query=""))
            assert fetch(unsigned)[0] == 403  # the object itself is private
            status, headers, _body = fetch(base + private_doc)
            assert status == 302 and "/login/" in headers["location"]
