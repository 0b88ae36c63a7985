"""Media on S3-compatible object storage (django-storages), from one variable:

    DANGJIAN_MEDIA_STORAGE_URL=s3://bucket/prefix?endpoint=https://…&region=…&public_url=https://…

Credentials come from boto3's standard variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).
Two storages share the bucket under the prefix: media/ holds images and their renditions,
written public-read and linked unsigned (from public_url, a CDN in front of the bucket,
when given); private/ holds documents and applications' letters, written private and handed
out only as signed URLs that expire after PRIVATE_URL_SECONDS, after the app's checks.

Plain Python: settings read it before Django is set up.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

PRIVATE_URL_SECONDS = 300
OPTIONS = {"endpoint", "region", "public_url", "addressing_style"}


class StorageURLError(ValueError):
    pass


def storages_for(url: str) -> tuple[dict, dict, str]:
    """The "default" and "private" entries of STORAGES, and the origin public media are
    read from (the Content-Security-Policy allows images from it)."""
    parts = urlsplit(url)
    options = dict(parse_qsl(parts.query))
    if parts.scheme != "s3" or not parts.netloc:
        raise StorageURLError(f"DANGJIAN_MEDIA_STORAGE_URL must look like s3://bucket/prefix?endpoint=…, not {url!r}")
    if unknown := sorted(set(options) - OPTIONS):
        raise StorageURLError(f"DANGJIAN_MEDIA_STORAGE_URL: unknown options {unknown}; known: {sorted(OPTIONS)}")
    bucket, prefix, endpoint = parts.netloc, parts.path.strip("/"), options.get("endpoint", "")
    # Self-hosted servers (MinIO, Ceph) answer at one address for every bucket: path style.
    addressing = options.get("addressing_style") or ("path" if endpoint else "auto")
    common = {
        "bucket_name": bucket, "endpoint_url": endpoint or None, "region_name": options.get("region") or None,
        "addressing_style": addressing, "file_overwrite": False,
    }
    public = {**common, "location": "/".join(filter(None, [prefix, "media"])), "querystring_auth": False,
              "default_acl": "public-read"}
    private = {**common, "location": "/".join(filter(None, [prefix, "private"])), "querystring_auth": True,
               "querystring_expire": PRIVATE_URL_SECONDS, "default_acl": "private"}
    if public_url := options.get("public_url", "").rstrip("/"):
        cdn = urlsplit(public_url)
        public.update(custom_domain=cdn.netloc + cdn.path, url_protocol=f"{cdn.scheme}:")
        origin = f"{cdn.scheme}://{cdn.netloc}"
    elif endpoint:
        host = urlsplit(endpoint)
        origin = f"{host.scheme}://{host.netloc}" if addressing == "path" else f"{host.scheme}://{bucket}.{host.netloc}"
    else:
        origin = f"https://{bucket}.s3.amazonaws.com"
    backend = "storages.backends.s3.S3Storage"
    return {"BACKEND": backend, "OPTIONS": public}, {"BACKEND": backend, "OPTIONS": private}, origin
