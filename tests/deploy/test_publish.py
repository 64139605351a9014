"""`make publish` (deploy/publish.py) against a local S3 and CloudFront: moto's standalone server over HTTP."""

from __future__ import annotations

import uuid

import boto3
import pytest

from deploy import ROOT
from deploy.infra import build_site
from deploy.publish import IMMUTABLE, SHORT, PublishError, build, local_files, publish

REGION = "eu-central-1"


@pytest.fixture
def aws(moto_endpoint):
    session = boto3.Session(aws_access_key_id="local", aws_secret_access_key="local", region_name=REGION)
    s3 = session.client("s3", endpoint_url=moto_endpoint)
    cloudfront = session.client("cloudfront", endpoint_url=moto_endpoint, region_name="us-east-1")
    bucket = f"site-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    distribution = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": bucket,
            "Comment": "test",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "site",
                        "DomainName": f"{bucket}.s3.amazonaws.com",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "site",
                "ViewerProtocolPolicy": "redirect-to-https",
                "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
            },
        }
    )["Distribution"]["Id"]
    return s3, cloudfront, bucket, distribution


SITE = {
    "index.html": "<!doctype html><title>Uitnodiging</title>",
    "404.html": "<!doctype html><title>Niet gevonden</title>",
    "aanmelden/index.html": "<!doctype html><title>Aanmelden</title>",
    "assets/stylesheets/main.57a0d79d.min.css": "body{margin:0}",
    "assets/javascripts/bundle.a5f9d56c.min.js": "console.log(1)",
    "assets/stylesheets/registration.css": ".reg-field{margin:1em 0}",
    "assets/images/favicon.png": "\x89PNG",
    "sitemap.xml.gz": "gz",
}


def write_site(root, files):
    for key, text in files.items():
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def objects(s3, bucket):
    return {item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}


def invalidated_paths(cloudfront, distribution):
    items = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"].get("Items", [])
    return [
        sorted(
            cloudfront.get_invalidation(DistributionId=distribution, Id=item["Id"])["Invalidation"][
                "InvalidationBatch"
            ]["Paths"]["Items"]
        )
        for item in items
    ]


@pytest.mark.parametrize(
    ("key", "content_type", "cache_control"),
    [
        ("index.html", "text/html; charset=utf-8", SHORT),
        ("aanmelden/index.html", "text/html; charset=utf-8", SHORT),
        ("assets/stylesheets/main.57a0d79d.min.css", "text/css; charset=utf-8", IMMUTABLE),
        ("assets/javascripts/bundle.a5f9d56c.min.js", "text/javascript; charset=utf-8", IMMUTABLE),
        ("assets/stylesheets/registration.css", "text/css; charset=utf-8", SHORT),
        ("assets/images/favicon.png", "image/png", SHORT),
        ("sitemap.xml.gz", "application/gzip", SHORT),
    ],
)
def test_the_first_publish_uploads_every_file_with_its_type_and_caching(
    aws, tmp_path, key, content_type, cache_control
):
    s3, cloudfront, bucket, distribution = aws
    plan = publish(s3, cloudfront, bucket, distribution, write_site(tmp_path, SITE))
    assert objects(s3, bucket) == set(SITE)
    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ContentType"] == content_type
    assert head["CacheControl"] == cache_control
    # Nothing was there before, so nothing is invalidated; pages go up after their assets.
    assert plan.changed == [] and invalidated_paths(cloudfront, distribution) == []
    uploaded = [f.key for f in plan.upload]
    assert max(i for i, k in enumerate(uploaded) if not k.endswith(".html")) < uploaded.index("index.html")


def test_a_second_publish_uploads_the_changes_removes_what_is_gone_and_invalidates_them(aws, tmp_path):
    s3, cloudfront, bucket, distribution = aws
    site = write_site(tmp_path, SITE)
    publish(s3, cloudfront, bucket, distribution, site)
    # Given a page that changed, a stylesheet no longer built and a new page
    (site / "aanmelden/index.html").write_text("<!doctype html><title>Aanmelden (nieuw)</title>")
    (site / "assets/stylesheets/registration.css").unlink()
    write_site(site, {"privacy/index.html": "<!doctype html><title>Privacy</title>"})
    # When it is published again
    plan = publish(s3, cloudfront, bucket, distribution, site)
    # Then only the new and changed files go up, the old one is removed, and the changed paths are invalidated
    assert sorted(f.key for f in plan.upload) == ["aanmelden/index.html", "privacy/index.html"]
    assert plan.delete == ["assets/stylesheets/registration.css"]
    assert plan.unchanged == len(SITE) - 2
    assert "assets/stylesheets/registration.css" not in objects(s3, bucket)
    body = s3.get_object(Bucket=bucket, Key="aanmelden/index.html")["Body"].read().decode()
    assert "Aanmelden (nieuw)" in body
    assert invalidated_paths(cloudfront, distribution) == [
        ["/aanmelden/", "/aanmelden/index.html", "/assets/stylesheets/registration.css"]
    ]


def test_a_file_with_the_same_bytes_but_other_headers_is_uploaded_again(aws, tmp_path):
    s3, cloudfront, bucket, distribution = aws
    site = write_site(tmp_path, SITE)
    publish(s3, cloudfront, bucket, distribution, site)
    s3.put_object(
        Bucket=bucket,
        Key="index.html",
        Body=SITE["index.html"].encode(),
        ContentType="text/html",
        CacheControl="no-store",
    )
    plan = publish(s3, cloudfront, bucket, distribution, site)
    assert plan.changed == ["index.html"]
    assert s3.head_object(Bucket=bucket, Key="index.html")["CacheControl"] == SHORT


def test_a_site_whose_inline_script_the_csp_blocks_is_not_published(aws, tmp_path):
    s3, cloudfront, bucket, distribution = aws
    site = write_site(tmp_path, {**SITE, "index.html": "<!doctype html><script>alert('niet toegestaan')</script>"})
    with pytest.raises(PublishError, match="make infra"):
        publish(s3, cloudfront, bucket, distribution, site)
    assert objects(s3, bucket) == set()


def test_a_file_type_without_a_known_content_type_stops_the_publish(tmp_path):
    site = write_site(tmp_path, {**SITE, "assets/data.bin": "?"})
    with pytest.raises(PublishError, match="no Content-Type"):
        local_files(site)


def test_every_file_of_the_real_site_has_a_type_and_hashed_bundles_are_immutable(tmp_path):
    files = local_files(build_site(tmp_path / "site"))
    assert files["index.html"].content_type == "text/html; charset=utf-8"
    assert all(f.cache_control == SHORT for key, f in files.items() if key.endswith(".html"))
    # The site loads one hashed Material file (its stylesheet; the JavaScript bundle is not published); the site's
    # own files keep stable names and so a short cache.
    hashed = [f for key, f in files.items() if key.startswith("assets/stylesheets/main.") and key.endswith(".min.css")]
    assert hashed and all(f.cache_control == IMMUTABLE for f in hashed)
    assert files["assets/stylesheets/registration.css"].cache_control == SHORT


def test_the_published_build_names_the_public_address(tmp_path):
    site = build("https://d111111abcdef8.cloudfront.net", tmp_path / "site")
    form = "bijeenkomsten/ibp-vth-2023-06-07/aanmelden/"
    page = (site / form / "index.html").read_text(encoding="utf-8")
    assert f'href="https://d111111abcdef8.cloudfront.net/{form}"' in page
    assert not (ROOT / ".mkdocs-publish.yml").exists()
