"""The sending domain in infra/template.yaml passes the Forum Standaardisatie mail standards: DKIM, SPF on a MAIL FROM
subdomain of our own (so SPF aligns), and DMARC; the outputs name every DNS record to add. (cfn-lint runs in
test_infra.py.)"""

from __future__ import annotations

import re

import pytest

from deploy.infra import load_template

DNS_OUTPUTS = ["DkimRecords", "MailFromMxRecord", "MailFromSpfRecord", "DmarcRecommendation"]


@pytest.fixture(scope="module")
def template():
    return load_template()


def sub(value) -> str:
    return value["Fn::Sub"] if isinstance(value, dict) else value


def test_the_identity_sends_with_a_mail_from_subdomain_of_the_sender_domain(template):
    identity = template["Resources"]["SenderIdentity"]
    assert identity["Condition"] == "CreateIdentity"
    attributes = identity["Properties"]["MailFromAttributes"]
    assert sub(attributes["MailFromDomain"]) == "${MailFromSubdomain}.${SenderDomain}"
    assert attributes["BehaviorOnMxFailure"] in ("USE_DEFAULT_VALUE", "REJECT_MESSAGE")
    parameter = template["Parameters"]["MailFromSubdomain"]
    assert re.fullmatch(parameter["AllowedPattern"], parameter["Default"])
    assert not re.fullmatch(parameter["AllowedPattern"], "mail.vng.nl")  # one label, not a domain
    assert identity["Properties"]["DkimSigningAttributes"] == {"NextSigningKeyLength": "RSA_2048_BIT"}


def test_the_outputs_list_every_dns_record_to_add_only_where_the_identity_is_made(template):
    outputs = template["Outputs"]
    for name in DNS_OUTPUTS:
        assert outputs[name]["Condition"] == "CreateIdentity", name
    mx = sub(outputs["MailFromMxRecord"]["Value"])
    assert mx == "${MailFromSubdomain}.${SenderDomain} MX 10 feedback-smtp.${AWS::Region}.amazonses.com"
    spf = sub(outputs["MailFromSpfRecord"]["Value"])
    assert re.fullmatch(r'\$\{MailFromSubdomain\}\.\$\{SenderDomain\} TXT "v=spf1 include:amazonses\.com [~-]all"', spf)
    dkim = sub(outputs["DkimRecords"]["Value"])
    assert [f"DkimDNSTokenName{i}" in dkim and f"DkimDNSTokenValue{i}" in dkim for i in (1, 2, 3)] == [True] * 3


def test_the_dmarc_recommendation_is_quarantine_or_stricter_and_warns_not_to_overwrite(template):
    output = template["Outputs"]["DmarcRecommendation"]
    record = sub(output["Value"])
    assert record.startswith('_dmarc.${SenderDomain} TXT "v=DMARC1; ')
    assert re.search(r"; p=(quarantine|reject)\b", record)
    assert "never overwrite" in output["Description"]
