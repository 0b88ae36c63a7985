"""Documents leave only through Wagtail's serve view, after its checks; their files are never
under the public media tree (documents/models.py, core/sendfile.py). nginx's part is in
core/tests/test_nginx.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model
from wagtail.models import Collection, CollectionViewRestriction

from dangjian.contributions.tests.fixtures import make_user

pytestmark = pytest.mark.django_db

TEXT = "内部学习材料：第一期。\n".encode()


@pytest.fixture
def documents():
    """A public document and one in a collection only logged-in people may see."""
    Document = get_document_model()
    restricted = Collection.get_first_root_node().add_child(name="内部资料")
    CollectionViewRestriction.objects.create(collection=restricted, restriction_type=CollectionViewRestriction.LOGIN)
    public = Document.objects.create(title="公开通知", file=ContentFile(TEXT, name="通知.txt"))
    private = Document.objects.create(title="内部资料", file=ContentFile(TEXT, name="内部.txt"), collection=restricted)
    yield public, private
    for document in (public, private):
        document.file.delete(save=False)


def test_the_files_are_outside_the_public_media_tree(documents):
    for document in documents:
        path = Path(document.file.path).resolve()
        assert path.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT).resolve())
        assert not path.is_relative_to(Path(settings.MEDIA_ROOT).resolve())


def test_no_public_media_url_reaches_a_document(client, documents):
    for document in documents:
        assert client.get(f"{settings.MEDIA_URL}{document.file.name}").status_code == 404
        assert client.get(f"{settings.MEDIA_URL}../private/{document.file.name}").status_code in (400, 404)


def test_a_restricted_document_is_served_only_after_its_check(client, documents):
    public, private = documents
    response = client.get(public.url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == TEXT
    response = client.get(private.url)
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(make_user("reader"))
    response = client.get(private.url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == TEXT
    assert response["Content-Disposition"].startswith("attachment")


def test_behind_nginx_the_app_hands_the_checked_file_over_by_internal_redirect(client, documents):
    _public, private = documents
    assert client.get(private.url, HTTP_X_SENDFILE_TYPE="X-Accel-Redirect").status_code == 302
    client.force_login(make_user("reader"))
    response = client.get(private.url, HTTP_X_SENDFILE_TYPE="X-Accel-Redirect")
    assert response.status_code == 200 and response.content == b""
    assert response.get("Content-Length", "0") == "0"  # what the body holds, not the file's size
    assert response["X-Accel-Redirect"] == "/_private/" + private.file.name.replace("内部", "%E5%86%85%E9%83%A8")


def test_an_editor_uploads_a_document_in_the_admin_into_the_private_storage(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from dangjian.accounts.roles import SITE_ADMIN

    client.force_login(make_user("site-admin", SITE_ADMIN))
    assert client.get("/admin/documents/").status_code == 200
    response = client.post("/admin/documents/multiple/add/", {
        "title": "学习材料", "files[]": SimpleUploadedFile("学习材料.txt", TEXT, content_type="text/plain"),
    })
    assert response.status_code == 200 and response.json()["success"], response.content
    document = get_document_model().objects.get(title="学习材料")
    try:
        assert Path(document.file.path).resolve().is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT).resolve())
        assert "学习材料" in client.get("/admin/documents/").content.decode()
    finally:
        document.file.delete(save=False)
