"""An S3-compatible server for tests: moto's, from the test dependencies, in this process on
a free port, with an empty bucket. Production uses any S3-compatible service."""

from __future__ import annotations

from contextlib import contextmanager

from .processes import free_port

BUCKET = "dangjian-media"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test-key", "AWS_SECRET_ACCESS_KEY": "test-secret"}


@contextmanager
def s3_server(prefix: str = "site"):
    """Yields the variables that put a site's media there (DANGJIAN_MEDIA_STORAGE_URL and the
    credentials) and the endpoint."""
    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line for every request otherwise

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
                     aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"]).create_bucket(Bucket=BUCKET)
        yield {**CREDENTIALS, "DANGJIAN_MEDIA_STORAGE_URL": f"s3://{BUCKET}/{prefix}?endpoint={endpoint}&region=us-east-1"}, endpoint
    finally:
        server.stop()
