"""Documents for tests of a running site: one public, one in a collection only logged-in
people may see, made in the site's own process."""

from __future__ import annotations

import json

from dangjian.testing.processes import dangjian_shell

DOCUMENTS = """
import json
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import Client
from wagtail.documents import get_document_model
from wagtail.models import Collection, CollectionViewRestriction
from dangjian.accounts.models import User
restricted = Collection.get_first_root_node().add_child(name="内部资料")
CollectionViewRestriction.objects.create(collection=restricted, restriction_type=CollectionViewRestriction.LOGIN)
Document = get_document_model()
public = Document.objects.create(title="公开通知", file=ContentFile("公开的通知。".encode(), name="notice.txt"))
private = Document.objects.create(title="内部资料", file=ContentFile("内部的材料。".encode(), name="内部.txt"), collection=restricted)
client = Client()
client.force_login(User.objects.create_user(username="reader-nginx", password=None))
print(json.dumps({"public": [public.url, public.file.name], "private": [private.url, private.file.name],
                  "cookie": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"}))
"""


def documents_make(env: dict[str, str]) -> dict:
    """{"public": [url, file name], "private": [url, file name], "cookie": a reader's session cookie}"""
    return json.loads(dangjian_shell(DOCUMENTS, env=env).splitlines()[-1])
