"""Publishes the agent console's files to S3 and invalidates CloudFront's copy.

The handler of the ConsoleFiles custom resource (template.yaml). `sam build` puts the
console's files (shared/http/console) beside this file, in `console/`. On Create and Update it
uploads every file under the `console/` prefix with its content type, removes files a
previous version had and this one does not, and invalidates `/console/*`; on Delete it
empties the prefix so the stack can delete the bucket.
"""

import json
import logging
import os
import re
import time
import urllib.request

import boto3

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)

HERE = os.path.dirname(os.path.abspath(__file__))
FILES = os.path.join(HERE, "console")
PREFIX = "console/"
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    ".png": "image/png",
    ".webmanifest": "application/manifest+json",
}
# Browsers revalidate each load (an edge answers 304); the distribution's cache policy keeps
# the files at the edges, and each publish invalidates them. A vendored library has its
# version in its name (chart-4.6.1.umd.min.js): it never changes, so it is kept a year.
CACHE_CONTROL = "no-cache"
IMMUTABLE = "public, max-age=31536000, immutable"
VERSIONED = re.compile(r"-\d+\.\d+\.\d+\.")


def cache_control(key):
    return IMMUTABLE if VERSIONED.search(key) else CACHE_CONTROL


def console_files(root=None):
    """(key, path) of every file to publish, sorted; dotfiles are skipped."""
    root = root or FILES
    found = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in names:
            if name.startswith("."):
                continue
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            found.append((PREFIX + rel, path))
    return sorted(found)


def content_type(key):
    ext = os.path.splitext(key)[1].lower()
    if ext not in TYPES:
        raise ValueError(f"no content type known for {key}: add its extension to TYPES in publish.py")
    return TYPES[ext]


def published_keys(s3, bucket):
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=PREFIX):
        keys.extend(o["Key"] for o in page.get("Contents", []))
    return keys


def delete_keys(s3, bucket, keys):
    for i in range(0, len(keys), 1000):
        batch = [{"Key": k} for k in keys[i : i + 1000]]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})


def publish(s3, cloudfront, bucket, distribution, root=None):
    """Uploads the files, removes stale ones, invalidates the distribution; returns the count."""
    root = root or FILES
    files = console_files(root)
    if not any(k == PREFIX + "index.html" for k, _ in files):
        raise ValueError(f"{root} holds no index.html: the package was built without the console")
    for key, path in files:
        with open(path, "rb") as f:
            s3.put_object(
                Bucket=bucket, Key=key, Body=f.read(), ContentType=content_type(key), CacheControl=cache_control(key)
            )
    wanted = {k for k, _ in files}
    delete_keys(s3, bucket, [k for k in published_keys(s3, bucket) if k not in wanted])
    if distribution:
        cloudfront.create_invalidation(
            DistributionId=distribution,
            InvalidationBatch={
                "Paths": {"Quantity": 1, "Items": ["/console/*"]},
                "CallerReference": f"turno-console-{time.time_ns()}",
            },
        )
    return len(files)


def respond(event, context, status, reason, data):
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason,
            "PhysicalResourceId": f"console-files-{event['ResourceProperties'].get('Bucket', 'none')}",
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "Data": data,
        }
    ).encode()
    req = urllib.request.Request(
        event["ResponseURL"], data=body, method="PUT", headers={"content-type": "", "content-length": str(len(body))}
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        r.read()


def handler(event, context, s3=None, cloudfront=None):
    status, reason, data = "SUCCESS", "", {}
    try:
        props = event["ResourceProperties"]
        bucket = props["Bucket"]
        s3 = s3 or boto3.client("s3")
        if event["RequestType"] in ("Create", "Update"):
            cloudfront = cloudfront or boto3.client("cloudfront")
            data["Files"] = str(publish(s3, cloudfront, bucket, props.get("DistributionId")))
            LOG.info(json.dumps({"msg": "console published", "bucket": bucket, "files": data["Files"]}))
        elif event["RequestType"] == "Delete":
            delete_keys(s3, bucket, published_keys(s3, bucket))
            LOG.info(json.dumps({"msg": "console removed", "bucket": bucket}))
    except Exception as e:  # every failure must reach CloudFormation, or the stack waits an hour
        LOG.exception("console publishing failed")
        status = "FAILED"
        reason = f"{type(e).__name__}: {e} (log stream {getattr(context, 'log_stream_name', '?')})"
    respond(event, context, status, reason[:1000], data)
