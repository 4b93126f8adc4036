"""Tests of the console publisher against moto's S3 and CloudFront (in process), and of its
answer to CloudFormation (a local HTTP server standing in for the pre-signed response URL)."""

import json
import os
import tempfile
import threading
import unittest
from http.server import BaseHTTPRequestHandler, HTTPServer

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

import publish  # noqa: E402

CONSOLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "http", "console")


def distribution(cloudfront):
    config = {
        "CallerReference": "test",
        "Comment": "console",
        "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "s3", "DomainName": "b.s3.amazonaws.com",
                                              "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "s3", "ViewerProtocolPolicy": "redirect-to-https",
                                 "MinTTL": 0, "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                                 "TrustedSigners": {"Enabled": False, "Quantity": 0}},
    }
    return cloudfront.create_distribution(DistributionConfig=config)["Distribution"]["Id"]


class Responses(BaseHTTPRequestHandler):
    received = []

    def do_PUT(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["content-length"]))
        Responses.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@mock_aws
class PublishTest(unittest.TestCase):
    def setUp(self):
        self.s3 = boto3.client("s3")
        self.cloudfront = boto3.client("cloudfront")
        self.s3.create_bucket(Bucket="console")
        self.dist = distribution(self.cloudfront)

    def keys(self):
        return sorted(publish.published_keys(self.s3, "console"))

    def test_every_console_file_is_uploaded_with_its_type_and_the_distribution_invalidated(self):
        count = publish.publish(self.s3, self.cloudfront, "console", self.dist, root=CONSOLE)

        on_disk = sorted(n for n in os.listdir(CONSOLE) if not n.startswith("."))
        self.assertEqual(count, len(on_disk))
        self.assertEqual(self.keys(), ["console/" + n for n in on_disk])
        index = self.s3.get_object(Bucket="console", Key="console/index.html")
        self.assertEqual(index["ContentType"], "text/html; charset=utf-8")
        self.assertEqual(index["CacheControl"], "no-cache")
        app = self.s3.get_object(Bucket="console", Key="console/app.js")
        self.assertEqual(app["ContentType"], "text/javascript; charset=utf-8")
        self.assertEqual(app["CacheControl"], "no-cache")
        with open(os.path.join(CONSOLE, "app.js"), "rb") as f:
            self.assertEqual(app["Body"].read(), f.read())
        vendored = [k for k in self.keys() if k.startswith("console/chart-") and k.endswith(".js")]
        self.assertEqual(len(vendored), 1, self.keys())
        chart = self.s3.get_object(Bucket="console", Key=vendored[0])
        self.assertEqual(chart["CacheControl"], "public, max-age=31536000, immutable")
        invalidations = self.cloudfront.list_invalidations(DistributionId=self.dist)["InvalidationList"]
        self.assertEqual(invalidations["Quantity"], 1)

    def test_files_a_new_version_drops_are_removed(self):
        self.s3.put_object(Bucket="console", Key="console/old.js", Body=b"gone")
        self.s3.put_object(Bucket="console", Key="elsewhere/keep.txt", Body=b"kept")

        publish.publish(self.s3, self.cloudfront, "console", self.dist, root=CONSOLE)

        self.assertNotIn("console/old.js", self.keys())
        self.s3.head_object(Bucket="console", Key="elsewhere/keep.txt")

    def test_a_file_of_unknown_type_or_a_package_without_the_console_is_refused(self):
        with tempfile.TemporaryDirectory() as d:
            with self.assertRaisesRegex(ValueError, "no index.html"):
                publish.publish(self.s3, self.cloudfront, "console", self.dist, root=d)
            for name, body in [("index.html", b"<!doctype html>"), ("tool.exe", b"MZ")]:
                with open(os.path.join(d, name), "wb") as f:
                    f.write(body)
            with self.assertRaisesRegex(ValueError, "tool.exe"):
                publish.publish(self.s3, self.cloudfront, "console", self.dist, root=d)

    def test_cloudformation_hears_success_and_failure_and_delete_empties_the_prefix(self):
        server = HTTPServer(("127.0.0.1", 0), Responses)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_port}/response"
        base = {"ResponseURL": url, "StackId": "stack", "RequestId": "r1", "LogicalResourceId": "ConsoleFiles"}
        old_root = publish.FILES
        publish.FILES = CONSOLE
        try:
            Responses.received.clear()
            publish.handler({**base, "RequestType": "Create",
                             "ResourceProperties": {"Bucket": "console", "DistributionId": self.dist}},
                            None, s3=self.s3, cloudfront=self.cloudfront)
            publish.handler({**base, "RequestType": "Update",
                             "ResourceProperties": {"Bucket": "no-such-bucket", "DistributionId": self.dist}},
                            None, s3=self.s3, cloudfront=self.cloudfront)
            publish.handler({**base, "RequestType": "Delete", "ResourceProperties": {"Bucket": "console"}},
                            None, s3=self.s3, cloudfront=self.cloudfront)
        finally:
            publish.FILES = old_root
            server.shutdown()

        created, failed, deleted = Responses.received
        self.assertEqual(created["Status"], "SUCCESS")
        self.assertEqual(created["PhysicalResourceId"], "console-files-console")
        self.assertGreater(int(created["Data"]["Files"]), 10)
        self.assertEqual(failed["Status"], "FAILED")
        self.assertIn("NoSuchBucket", failed["Reason"])
        self.assertEqual(deleted["Status"], "SUCCESS")
        self.assertEqual(self.keys(), [])


if __name__ == "__main__":
    unittest.main()
