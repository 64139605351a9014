"""infra/template.yaml: cfn-lint clean, generated from the single sources, least privilege, and in agreement with
functions/zappa_settings.json. (AWS cannot be reached: everything here is checked offline.)"""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from deploy import FUNCTIONS, ROOT, checkov_gate
from deploy.infra import (
    TEMPLATE,
    build_site,
    header_policies,
    lifecycle_date,
    load_template,
    origin_custom_headers,
    render,
)
from deploy.settings import all_settings, lambda_name, stage_settings
from deploy.stage import stack_name
from registrations.lambda_handler import STREAM_FILTER, STREAM_FILTERS, SWEEP_EVENT
from registrations.meeting import load_meeting
from registrations.reports.spreadsheet_files import EXPORT_KEYS
from registrations.repository import REGISTRATION_ID, REGISTRATION_ID_INDEX, TABLE_SCHEMA_FILE, TTL_ATTRIBUTE
from registrations.web.guards import ORIGIN_SECRET_HEADER

STAGES = ["production", "staging"]
# The one door to DynamoDB: every call on its table is in one of these modules.
REPOSITORY = FUNCTIONS / "registrations" / "repository"


@pytest.fixture(scope="module")
def template():
    return load_template()


@pytest.fixture(scope="module")
def resources(template):
    return template["Resources"]


@pytest.fixture(scope="module")
def role_statements(resources):
    [policy] = resources["FunctionRole"]["Properties"]["Policies"]
    return {statement["Sid"]: statement for statement in policy["PolicyDocument"]["Statement"]}


def substitute(value, template, stage):
    """Evaluate a name built with !Sub from ProjectName and Stage, as CloudFormation would for this stage."""
    text = value["Fn::Sub"] if isinstance(value, dict) else value
    names = {"ProjectName": template["Parameters"]["ProjectName"]["Default"], "Stage": stage}
    return re.sub(r"\$\{(\w+)\}", lambda m: names[m.group(1)], text)


# Every CloudFormation template in infra/ (a dotfile there, such as checkov's accepted list, is no template).
TEMPLATES = sorted(p for p in (ROOT / "infra").glob("*.yaml") if not p.name.startswith("."))
# A resource that both linters must report: cfn-lint an unknown property (E3002), checkov an S3 bucket without
# versioning, access logging or a public access block.
BROKEN_RESOURCE = "DeliberatelyBrokenBucket"


def cfn_lint(*paths: Path) -> subprocess.CompletedProcess[str]:
    """cfn-lint on templates, as test_cfn_lint_is_clean runs it on every template."""
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    return subprocess.run([str(cfn_lint), *map(str, paths)], capture_output=True, text=True)


def broken_copy(path: Path, directory: Path) -> tuple[Path, int]:
    """A copy of the template with BROKEN_RESOURCE as its first resource, and the line of its unknown property."""
    text = path.read_text(encoding="utf-8")
    assert text.count("\nResources:\n") == 1, path.name
    resource = f"  {BROKEN_RESOURCE}:\n    Type: AWS::S3::Bucket\n    Properties:\n      NoSuchProperty: true\n"
    copy = directory / path.name
    copy.write_text(text.replace("\nResources:\n", "\nResources:\n" + resource), encoding="utf-8")
    resources_line = text.split("\n").index("Resources:") + 1
    return copy, resources_line + 4


def test_every_file_in_infra_is_a_template_that_the_linters_get():
    # A template saved as .yml or .json would escape TEMPLATES (cfn-lint here) while checkov still read it.
    files = sorted(p for p in (ROOT / "infra").iterdir() if p.is_file() and not p.name.startswith("."))
    assert files == TEMPLATES
    for path in TEMPLATES:
        assert "\nResources:\n" in path.read_text(encoding="utf-8"), f"{path.name} is no CloudFormation template"


def test_cfn_lint_reports_a_broken_copy_of_each_template(tmp_path):
    copies = dict(broken_copy(path, tmp_path) for path in TEMPLATES)
    result = cfn_lint(*copies)
    assert result.returncode != 0
    reported = set(re.findall(r"^E3002 .*\n(\S+?):(\d+):", result.stdout, re.M))
    assert reported == {(str(copy), str(line)) for copy, line in copies.items()}, result.stdout + result.stderr


def test_every_template_is_linted(tmp_path, capsys):
    """checkov through the same gate as make lint, on copies of every template, each with a resource it must
    report: the gate fails and names exactly those (so it reads every template, and the rest of each is clean)."""
    assert checkov_gate.CHECKOV.exists(), "checkov is installed by make lint (.venv-checkov)"
    for path in TEMPLATES:
        broken_copy(path, tmp_path)
    assert checkov_gate.main(["--directory", str(tmp_path)]) == 1
    output = capsys.readouterr().out
    failed = set(re.findall(r"^ +AWS::[\w:]+\.(\w+) in infra/(\S+?):\d", output, re.M))
    assert failed == {(BROKEN_RESOURCE, path.name) for path in TEMPLATES}, output


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: path.name)
def test_cfn_lint_is_clean(path):
    result = cfn_lint(path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_generated_blocks_match_their_sources_and_the_built_site(tmp_path):
    current = TEMPLATE.read_text(encoding="utf-8")
    assert render(current, build_site(tmp_path / "site")) == current, "infra/template.yaml is out of date: make infra"


def test_the_table_uses_the_one_key_schema_and_the_repository_ttl_attribute(resources):
    table = resources["RegistrationsTable"]
    properties = table["Properties"]
    schema = json.loads(TABLE_SCHEMA_FILE.read_text(encoding="utf-8"))
    assert properties["KeySchema"] == schema["KeySchema"]
    assert properties["AttributeDefinitions"] == schema["AttributeDefinitions"]
    assert properties["GlobalSecondaryIndexes"] == schema["GlobalSecondaryIndexes"]
    [index] = schema["GlobalSecondaryIndexes"]
    assert index["IndexName"] == REGISTRATION_ID_INDEX
    assert index["KeySchema"] == [{"AttributeName": REGISTRATION_ID, "KeyType": "HASH"}]
    assert properties["TimeToLiveSpecification"] == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}


def test_the_table_is_on_demand_recoverable_encrypted_and_protected(resources):
    table = resources["RegistrationsTable"]
    properties = table["Properties"]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["SSESpecification"] == {"SSEEnabled": True}
    assert properties["DeletionProtectionEnabled"] is True
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"


def dynamodb_calls_in(module: Path) -> set[str]:
    """The DynamoDB API actions behind every `self.table.<method>` in the module, called or handed to `call()`."""
    calls = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) and node.value.attr == "table":
            calls.add("dynamodb:" + "".join(part.title() for part in node.attr.split("_")))
    return calls


def test_the_role_allows_exactly_the_dynamodb_calls_the_repository_makes_on_this_table(role_statements):
    used = set().union(*(dynamodb_calls_in(module) for module in REPOSITORY.glob("*.py")))
    assert used >= {"dynamodb:PutItem", "dynamodb:GetItem"}  # the parse found the calls
    statement = role_statements["RegistrationsTable"]
    assert set(statement["Action"]) == used
    assert statement["Resource"] == {"Fn::GetAtt": ["RegistrationsTable", "Arn"]}


def test_the_role_queries_only_the_index_the_repository_queries(role_statements):
    source = "".join(module.read_text(encoding="utf-8") for module in REPOSITORY.glob("*.py"))
    assert "IndexName=REGISTRATION_ID_INDEX" in source
    statement = role_statements["FindRegistrationByLinkId"]
    assert statement["Action"] == "dynamodb:Query"
    assert statement["Resource"] == {"Fn::Sub": "${RegistrationsTable.Arn}/index/" + REGISTRATION_ID_INDEX}


def test_the_role_reads_only_the_tables_stream_and_sends_only_to_the_failure_queue(role_statements, resources):
    stream = role_statements["ReadTheTableStream"]
    assert sorted(stream["Action"]) == [
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:ListStreams",
    ]
    assert stream["Resource"] == {"Fn::GetAtt": ["RegistrationsTable", "StreamArn"]}
    queue = role_statements["FailedStreamRecordsToTheQueue"]
    assert queue["Action"] == "sqs:SendMessage"
    assert queue["Resource"] == {"Fn::GetAtt": ["DeliveryFailureQueue", "Arn"]}
    mapping = resources["DeliveryStreamMapping"]["Properties"]
    assert mapping["DestinationConfig"]["OnFailure"]["Destination"] == queue["Resource"]


@pytest.mark.parametrize("stage", STAGES)
def test_the_deliverers_triggers_reach_the_function_once_it_exists(stage, template, resources):
    assert template["Conditions"]["HasFunction"] == {"Fn::Equals": [{"Ref": "FunctionDeployed"}, "true"]}
    assert template["Parameters"]["FunctionDeployed"]["Default"] == "false"
    for name in ("DeliveryStreamMapping", "SweepSchedule", "SweepInvokesTheFunction"):
        assert resources[name]["Condition"] == "HasFunction", name
    mapping = resources["DeliveryStreamMapping"]["Properties"]
    assert substitute(mapping["FunctionName"], template, stage) == lambda_name(stage)
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": ["RegistrationsTable", "StreamArn"]}
    assert resources["RegistrationsTable"]["Properties"]["StreamSpecification"] == {
        "StreamViewType": "NEW_AND_OLD_IMAGES"
    }
    assert mapping["StartingPosition"] in ("TRIM_HORIZON", "LATEST")
    assert 0 < mapping["MaximumRetryAttempts"] <= 10
    assert 60 <= mapping["MaximumRecordAgeInSeconds"] <= 6 * 3600
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    patterns = [json.loads(p["Pattern"]) for p in mapping["FilterCriteria"]["Filters"]]
    assert patterns == list(STREAM_FILTERS) and STREAM_FILTERS[0] == STREAM_FILTER
    rule = resources["SweepSchedule"]["Properties"]
    assert rule["ScheduleExpression"] == "rate(5 minutes)"
    [target] = rule["Targets"]
    assert json.loads(target["Input"]) == SWEEP_EVENT
    assert substitute(target["Arn"], template, stage).endswith(f":function:{lambda_name(stage)}")
    permission = resources["SweepInvokesTheFunction"]["Properties"]
    assert permission["Principal"] == "events.amazonaws.com"
    assert permission["SourceArn"] == {"Fn::GetAtt": ["SweepSchedule", "Arn"]}


def test_the_failure_queue_alarms_the_staff_address(template, resources):
    alarm = resources["DeliveryFailureAlarm"]["Properties"]
    assert alarm["Namespace"] == "AWS/SQS"
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["DeliveryFailureQueue", "QueueName"]}}
    ]
    assert alarm["AlarmActions"] == [{"Ref": "StaffAlertTopic"}]
    [subscription] = resources["StaffAlertTopic"]["Properties"]["Subscription"]
    assert subscription == {"Protocol": "email", "Endpoint": {"Ref": "StaffEmail"}}
    assert "Default" not in template["Parameters"]["StaffEmail"]


def test_the_role_sends_mail_only_from_the_sender_address(role_statements):
    statement = role_statements["SendFromTheSenderAddressOnly"]
    assert sorted(statement["Action"]) == ["ses:SendEmail", "ses:SendRawEmail"]
    resources = [r["Fn::Sub"] for r in statement["Resource"]]
    assert all(r.startswith("arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:") for r in resources)
    assert {r.rsplit(":", 1)[1] for r in resources} == {
        "identity/${SenderDomain}",
        "identity/${SenderAddress}",
        "configuration-set/${MailConfigurationSet}",
    }
    assert statement["Condition"] == {"StringEquals": {"ses:FromAddress": {"Ref": "SenderAddress"}}}


def test_the_role_writes_only_its_own_log_group(role_statements, resources, template):
    statement = role_statements["OwnLogGroup"]
    assert sorted(statement["Action"]) == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert statement["Resource"] == {"Fn::GetAtt": ["FunctionLogGroup", "Arn"]}
    log_group = resources["FunctionLogGroup"]["Properties"]["LogGroupName"]
    for stage in STAGES:
        settings = stage_settings(stage)
        assert substitute(log_group, template, stage) == f"/aws/lambda/{settings['project_name']}-{stage}"


def test_no_statement_grants_a_wildcard(role_statements):
    assert set(role_statements) == {
        "RegistrationsTable",
        "FindRegistrationByLinkId",
        "ReadTheTableStream",
        "FailedStreamRecordsToTheQueue",
        "SendFromTheSenderAddressOnly",
        "StaffAlertOnly",
        "OwnLogGroup",
        "ApiGatewayInvokesTheFunction",
    }
    for sid, statement in role_statements.items():
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert not [a for a in actions if "*" in a], sid
        assert "*" not in json.dumps(statement["Resource"]).replace(':*"', '"'), sid


def test_no_account_region_or_fixed_name_is_hard_coded(template):
    # Resources and outputs take every account, region and name from parameters and pseudo parameters.
    values = json.dumps([template["Resources"], template["Outputs"], template["Conditions"]])
    assert not re.search(r"(?<![0-9])[0-9]{12}(?![0-9])", values)
    assert not re.search(
        r"\b(eu|us|ap|sa|ca|me|af)-(central|west|east|north|south|southeast|northeast)-[0-9]\b", values
    )
    assert "arn:aws:" not in values
    assert template["Parameters"]["ProjectName"]["Default"] not in values


@pytest.mark.parametrize("stage", STAGES)
def test_zappa_settings_name_what_the_stack_makes(stage, template, resources):
    settings = stage_settings(stage)
    assert settings["project_name"] == template["Parameters"]["ProjectName"]["Default"]
    assert stage in template["Parameters"]["Stage"]["AllowedValues"]
    environment = settings["aws_environment_variables"]
    expected = {
        settings["role_name"]: resources["FunctionRole"]["Properties"]["RoleName"],
        settings["s3_bucket"]: resources["PackagesBucket"]["Properties"]["BucketName"],
        environment["REGISTRATIONS_TABLE"]: resources["RegistrationsTable"]["Properties"]["TableName"],
        environment["SES_CONFIGURATION_SET"]: resources["MailConfigurationSet"]["Properties"]["Name"],
        environment["EXPORT_BUCKET"]: resources["ExportBucket"]["Properties"]["BucketName"],
    }
    for in_settings, in_template in expected.items():
        assert in_settings == substitute(in_template, template, stage)


@pytest.mark.parametrize("stage", STAGES)
def test_zappa_settings_deploy_safely(stage):
    settings = stage_settings(stage)
    assert settings["aws_region"].startswith("eu-")
    assert settings["runtime"] == "python3.13"
    assert settings["manage_roles"] is False
    assert settings["use_precompiled_packages"] is False
    assert settings["debug"] is False
    assert settings["log_level"] == "INFO"
    assert settings["keep_warm"] is False
    assert 0 < settings["timeout_seconds"] <= 30
    assert settings["endpoint_configuration"] == ["REGIONAL"]
    throttling = settings["api_gateway_throttling"]
    assert 0 < throttling["rate_limit"] <= throttling["burst_limit"]
    assert {"boto3", "botocore", "tests", "docs", "site"} <= set(settings["exclude"])
    # Secrets and the values the stack decides are set at deploy time (deploy/stage.py), never committed.
    assert {"TOKEN_SECRET", "SITE_URL", "MAIL_SENDER"}.isdisjoint(settings["aws_environment_variables"])
    assert settings["app_function"] == "registrations.web.wsgi.app"
    # Our dispatcher goes first (stream records, the sweep), and hands everything else to Zappa's handler.
    assert settings["lambda_handler"] == "registrations.lambda_handler.lambda_handler"


@pytest.mark.parametrize("stage", STAGES)
def test_the_infra_stack_is_not_named_like_zappas_own_stack(stage):
    # `zappa deploy` creates (and updates) a CloudFormation stack named after the function for its API.
    assert stack_name(stage) != lambda_name(stage)
    assert stage_settings(stage)["apigateway_version"] == "v1"  # a REST API: the stage throttling applies


def test_staging_extends_production():
    settings = all_settings()
    assert set(settings) == set(STAGES)
    assert settings["staging"]["extends"] == "production"
    assert "extends" not in settings["production"]


def test_the_site_is_a_private_bucket_behind_cloudfront_with_origin_access_control(resources):
    bucket = resources["SiteBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    statements = resources["SiteBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert {json.dumps(s["Principal"]) for s in allows} == {'{"Service": "cloudfront.amazonaws.com"}'}
    for statement in allows:
        source = statement["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
        assert source.endswith(":distribution/${Distribution}")
    config = resources["Distribution"]["Properties"]["DistributionConfig"]
    [site_origin, _api] = config["Origins"]
    assert site_origin["OriginAccessControlId"] == {"Fn::GetAtt": ["SiteOriginAccessControl", "Id"]}
    assert (
        resources["SiteOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    )


def test_api_is_routed_under_api_with_the_stage_as_origin_path(resources):
    config = resources["Distribution"]["Properties"]["DistributionConfig"]
    condition, api_origin, _ = config["Origins"][1]["Fn::If"]
    assert condition == "HasApi"
    assert api_origin["OriginPath"] == {"Fn::Sub": "/${Stage}"}
    assert api_origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    condition, [api_behaviour], _ = config["CacheBehaviors"]["Fn::If"]
    assert api_behaviour["PathPattern"] == "/api/*"
    assert api_behaviour["TargetOriginId"] == api_origin["Id"]
    assert "POST" in api_behaviour["AllowedMethods"]
    assert api_behaviour["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # CachingDisabled
    assert api_behaviour["OriginRequestPolicyId"] == "b689b0a8-53d0-40ab-baf2-68738e2966ac"  # all but Host
    assert api_behaviour["ResponseHeadersPolicyId"] == {"Ref": "ApiSecurityHeadersPolicy"}


def test_the_api_keeps_the_functions_own_referrer_policy_and_csp_and_gets_every_other_header(template):
    policies = header_policies(template)
    site = {name: (value, override) for name, value, override in policies["*"]}
    api = {name: (value, override) for name, value, override in policies["/api/*"]}
    # The personal pages' no-referrer reaches the browser in production as it does in `make run`
    assert api["Referrer-Policy"] == ("same-origin", False)
    assert api["Content-Security-Policy"][1] is False
    assert "frame-ancestors 'none'" in api["Content-Security-Policy"][0]
    # Every other header is CloudFront's, as on the site
    assert set(api) == set(site)
    for name in set(site) - {"Referrer-Policy", "Content-Security-Policy"}:
        assert api[name] == site[name], name


def test_cloudfront_sends_the_origin_secret_from_a_noecho_parameter_off_by_default(template):
    parameter = template["Parameters"]["OriginSecret"]
    assert parameter["NoEcho"] is True and parameter["Default"] == ""
    assert re.fullmatch(parameter["AllowedPattern"], "") and not re.fullmatch(parameter["AllowedPattern"], "short")
    assert origin_custom_headers(template) == [ORIGIN_SECRET_HEADER]
    config = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    api_origin = config["Origins"][1]["Fn::If"][1]
    condition, [header], no_value = api_origin["OriginCustomHeaders"]["Fn::If"]
    assert condition == "HasOriginSecret" and no_value == {"Ref": "AWS::NoValue"}
    assert header["HeaderValue"] == {"Ref": "OriginSecret"}
    # The stack says whether CloudFront sends it: only then does the deploy step set it on the function
    assert template["Outputs"]["OriginSecretInUse"]["Value"] == {"Fn::If": ["HasOriginSecret", "true", "false"]}


def test_the_web_acl_is_optional_and_off_by_default(template):
    assert template["Parameters"]["WebAclArn"]["Default"] == ""
    config = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    assert config["WebACLId"] == {"Fn::If": ["HasWebAcl", {"Ref": "WebAclArn"}, {"Ref": "AWS::NoValue"}]}


def test_the_waf_template_has_the_managed_rules_and_a_generous_per_ip_limit_on_api_posts():
    waf = load_template((ROOT / "infra" / "waf.yaml").read_text(encoding="utf-8"))
    acl = waf["Resources"]["WebAcl"]["Properties"]
    assert acl["Scope"] == "CLOUDFRONT" and acl["DefaultAction"] == {"Allow": {}}
    managed = {
        rule["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for rule in acl["Rules"]
        if "ManagedRuleGroupStatement" in rule["Statement"]
    }
    assert managed == {
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
    }
    [rate] = [rule for rule in acl["Rules"] if "RateBasedStatement" in rule["Statement"]]
    statement = rate["Statement"]["RateBasedStatement"]
    assert statement["AggregateKeyType"] == "IP"
    # Generous: many colleagues behind one organisation's address still get through
    assert waf["Parameters"]["PostRateLimit"]["Default"] >= 300 and statement["EvaluationWindowSec"] == 300
    matches = {
        json.dumps(m["ByteMatchStatement"]["FieldToMatch"]): m["ByteMatchStatement"]
        for m in statement["ScopeDownStatement"]["AndStatement"]["Statements"]
    }
    assert matches['{"Method": {}}']["SearchString"] == "POST"
    assert matches['{"UriPath": {}}']["SearchString"] == "/api/"
    assert matches['{"UriPath": {}}']["PositionalConstraint"] == "STARTS_WITH"
    assert len({rule["Priority"] for rule in acl["Rules"]}) == len(acl["Rules"])


def test_the_security_headers(resources):
    config = resources["SecurityHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert config["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert config["ContentTypeOptions"]["Override"] is True
    assert config["FrameOptions"]["FrameOption"] == "DENY"
    assert config["ReferrerPolicy"]["ReferrerPolicy"] in ("same-origin", "no-referrer", "strict-origin")
    csp = config["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    assert csp.startswith("default-src 'none'")
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "*" not in csp.replace("'sha256-", "")
    assert "frame-ancestors 'none'" in csp


# The directory-index CloudFront Function, run under Node (the function uses no CloudFront-only API).
NODE_RUNNER = """
const code = require('fs').readFileSync(0, 'utf8');
const handler = new Function(code + '\\nreturn handler;')();
const cases = JSON.parse(process.argv[1]);
console.log(JSON.stringify(cases.map(c => handler({request: {uri: c.uri, querystring: c.querystring}}))));
"""


@pytest.mark.parametrize(
    ("uri", "querystring", "expected"),
    [
        ("/", {}, {"uri": "/index.html"}),
        ("/privacy/", {}, {"uri": "/privacy/index.html"}),
        ("/bijeenkomsten/x/aanmelden/", {"a": {"value": "1"}}, {"uri": "/bijeenkomsten/x/aanmelden/index.html"}),
        ("/assets/stylesheets/main.57a0d79d.min.css", {}, {"uri": "/assets/stylesheets/main.57a0d79d.min.css"}),
        ("/404.html", {}, {"uri": "/404.html"}),
        ("/privacy", {}, {"status": 301, "location": "/privacy/"}),
        (
            "/privacy",
            {"x": {"value": "1", "multiValue": [{"value": "1"}, {"value": "2"}]}, "y": {"value": ""}},
            {"status": 301, "location": "/privacy/?x=1&x=2&y"},
        ),
        # The old addresses lead to the letter's meeting (tests/integration/test_edge_paths.py has every case)
        (
            "/aanmelden/bevestiging/",
            {"a": {"value": "1"}},
            {"status": 301, "location": "/bijeenkomsten/ibp-vth-2023-06-07/aanmelden/bevestiging/?a=1"},
        ),
    ],
)
def test_the_directory_index_function(resources, uri, querystring, expected):
    node = shutil.which("node")
    assert node, "node is needed (it runs dynalite too)"
    code = resources["DirectoryIndexFunction"]["Properties"]["FunctionCode"]
    cases = json.dumps([{"uri": uri, "querystring": querystring}])
    out = subprocess.run(
        [node, "-e", NODE_RUNNER, cases], input=code, capture_output=True, text=True, check=True, cwd=ROOT
    )
    [result] = json.loads(out.stdout)
    if "status" in expected:
        assert result["statusCode"] == expected["status"]
        assert result["headers"]["location"]["value"] == expected["location"]
    else:
        assert result["uri"] == expected["uri"]


# ---------------------------------------------------------------- the staff spreadsheet and the staff policies


def statements(resources, name):
    return {s["Sid"]: s for s in resources[name]["Properties"]["PolicyDocument"]["Statement"]}


def as_list(value):
    return value if isinstance(value, list) else [value]


def export_keys(resource_list):
    """The object keys of ${ExportBucket.Arn}/<key> resources (None for anything else)."""
    return [
        r["Fn::Sub"].removeprefix("${ExportBucket.Arn}/")
        if isinstance(r, dict) and "Fn::Sub" in r and r["Fn::Sub"].startswith("${ExportBucket.Arn}/")
        else None
        for r in as_list(resource_list)
    ]


def test_the_export_bucket_is_private_encrypted_unversioned_and_tls_only(resources):
    bucket = resources["ExportBucket"]["Properties"]
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    [rule] = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    assert "VersioningConfiguration" not in bucket, "no old copies of personal data"
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    [tls] = resources["ExportBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert (tls["Effect"], tls["Principal"], tls["Action"]) == ("Deny", "*", "s3:*")
    assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert tls["Resource"] == [{"Fn::GetAtt": ["ExportBucket", "Arn"]}, {"Fn::Sub": "${ExportBucket.Arn}/*"}]


def test_the_export_files_are_deleted_when_the_retention_of_the_registrations_ends(resources):
    [rule] = resources["ExportBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled" and "Prefix" not in rule and "Filter" not in rule
    expires_at = load_meeting().expires_at
    deleted_at = dt.datetime.fromisoformat(rule["ExpirationDate"].replace("Z", "+00:00"))
    assert rule["ExpirationDate"] == lifecycle_date(expires_at)
    assert deleted_at.time() == dt.time(0) and dt.timedelta(0) <= deleted_at - expires_at < dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("moment", "date"),
    [
        ("2023-09-05T15:00:00+02:00", "2023-09-06T00:00:00.000Z"),
        ("2023-09-06T00:00:00+00:00", "2023-09-06T00:00:00.000Z"),
        ("2023-09-06T01:30:00+02:00", "2023-09-06T00:00:00.000Z"),
    ],
)
def test_the_lifecycle_date_is_the_first_midnight_utc_at_or_after_the_end(moment, date):
    assert lifecycle_date(dt.datetime.fromisoformat(moment)) == date


def test_the_function_writes_only_the_three_files(resources):
    policy = resources["FunctionWritesTheSpreadsheet"]["Properties"]
    assert policy["RoleName"] == {"Ref": "FunctionRole"}
    found = statements(resources, "FunctionWritesTheSpreadsheet")
    assert set(found) == {"TheThreeFiles", "SeeWhichFilesExist"}
    files = found["TheThreeFiles"]
    assert sorted(files["Action"]) == ["s3:GetObject", "s3:PutObject"]
    assert export_keys(files["Resource"]) == list(EXPORT_KEYS)
    listing = found["SeeWhichFilesExist"]
    assert (listing["Action"], listing["Resource"]) == ("s3:ListBucket", {"Fn::GetAtt": ["ExportBucket", "Arn"]})


def test_the_staff_reader_policy_reads_the_files_and_the_table_and_nothing_on_lambda_or_ssm(resources):
    found = statements(resources, "StaffReaderPolicy")
    actions = {action for s in found.values() for action in as_list(s["Action"])}
    assert actions == {
        "s3:ListBucket",
        "s3:GetBucketLocation",
        "s3:GetObject",
        "cloudformation:DescribeStacks",
        "dynamodb:ListTables",
        "dynamodb:DescribeTable",
        "dynamodb:Query",
        "dynamodb:Scan",
        "dynamodb:GetItem",
    }
    assert all(s["Effect"] == "Allow" for s in found.values())
    assert not [a for a in actions if a.split(":")[0] in ("lambda", "ssm", "kms", "iam")]
    assert export_keys(found["DownloadTheThreeFiles"]["Resource"]) == list(EXPORT_KEYS)
    assert found["OpenTheExportBucket"]["Resource"] == {"Fn::GetAtt": ["ExportBucket", "Arn"]}
    assert found["ReadTheRegistrations"]["Resource"] == {"Fn::GetAtt": ["RegistrationsTable", "Arn"]}
    assert found["ReadTheLinksInTheStackOutputs"]["Resource"] == {"Ref": "AWS::StackId"}
    assert not [
        a
        for a in actions
        if a.startswith("s3:Put")
        or a.startswith("dynamodb:")
        and a
        not in ("dynamodb:ListTables", "dynamodb:DescribeTable", "dynamodb:Query", "dynamodb:Scan", "dynamodb:GetItem")
    ]


def test_the_staff_operator_policy_publishes_and_corrects_and_cannot_send_email(resources):
    found = statements(resources, "StaffOperatorPolicy")
    assert set(found) == {
        "ReadAndRecordRegistrations",
        "PublishTheFollowup",
        "UploadTheFollowUp",
        "ReadTheCheck",
        "NotTheCheckItself",
    }
    table = found["ReadAndRecordRegistrations"]
    # Query: counts and progress; GetItem: cancel and resend look the registration up; UpdateItem: correct.
    assert sorted(table["Action"]) == ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"]
    assert table["Resource"] == {"Fn::GetAtt": ["RegistrationsTable", "Arn"]}
    # Publishing is one new item, and only in the publications partition
    publish = found["PublishTheFollowup"]
    assert publish["Action"] == "dynamodb:PutItem"
    assert publish["Condition"] == {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["publications"]}}
    # Staff publish; the system sends: no SES right of any kind
    actions = [a for statement in found.values() for a in as_list(statement["Action"])]
    assert not [a for a in actions if a.startswith("ses:")]


def test_no_iam_policy_grants_a_wildcard_action_or_resource_except_listing_table_names(resources):
    for name, resource in resources.items():
        if resource["Type"] not in ("AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy", "AWS::IAM::Role"):
            continue
        documents = (
            [p["PolicyDocument"] for p in resource["Properties"].get("Policies", [])]
            if resource["Type"] == "AWS::IAM::Role"
            else [resource["Properties"]["PolicyDocument"]]
        )
        for statement in (s for d in documents for s in d["Statement"]):
            assert not [a for a in as_list(statement["Action"]) if "*" in a], (name, statement["Sid"])
            if statement["Resource"] == "*":
                assert statement["Action"] == "dynamodb:ListTables", (name, statement["Sid"])


def test_the_console_links_open_the_bucket_the_spreadsheet_and_the_table_in_the_stacks_region(template):
    outputs = template["Outputs"]
    bucket = outputs["ExportBucketConsoleUrl"]["Value"]["Fn::Sub"]
    assert bucket == "https://s3.console.aws.amazon.com/s3/buckets/${ExportBucket}?region=${AWS::Region}&tab=objects"
    spreadsheet = outputs["SpreadsheetConsoleUrl"]["Value"]["Fn::Sub"]
    assert spreadsheet.endswith("/s3/object/${ExportBucket}?region=${AWS::Region}&prefix=" + EXPORT_KEYS[0])
    assert outputs["TableConsoleUrl"]["Value"]["Fn::Sub"].endswith("#item-explorer?table=${RegistrationsTable}")
    assert outputs["ExportBucketName"]["Value"] == {"Ref": "ExportBucket"}
    assert outputs["StaffReaderPolicyArn"]["Value"] == {"Ref": "StaffReaderPolicy"}


def test_ses_delivery_events_reach_the_function_behind_the_function_condition(resources):
    destination = resources["MailEventsToEventBridge"]
    assert destination["Condition"] == "HasFunction"
    config = destination["Properties"]["EventDestination"]
    assert sorted(config["MatchingEventTypes"]) == ["bounce", "complaint", "delivery", "reject"]
    assert config["EventBridgeDestination"]["EventBusArn"]["Fn::Sub"].endswith(":event-bus/default")
    rule = resources["MailEventsRule"]
    assert rule["Condition"] == "HasFunction"
    pattern = rule["Properties"]["EventPattern"]
    # Only SES's events of this stage's configuration set: another stage's mail is not ours
    assert pattern["source"] == ["aws.ses"]
    assert pattern["detail"]["mail"]["tags"]["ses:configuration-set"] == [{"Ref": "MailConfigurationSet"}]
    [target] = rule["Properties"]["Targets"]
    assert target["Arn"]["Fn::Sub"].endswith(":function:${ProjectName}-${Stage}")
    permission = resources["MailEventsInvokeTheFunction"]["Properties"]
    assert permission["SourceArn"] == {"Fn::GetAtt": ["MailEventsRule", "Arn"]}
    assert permission["Principal"] == "events.amazonaws.com"


def test_the_configuration_set_chooses_its_suppression(resources):
    options = resources["MailConfigurationSet"]["Properties"]["SuppressionOptions"]
    assert sorted(options["SuppressedReasons"]) == ["BOUNCE", "COMPLAINT"]


# --- the follow-up from the console (issue 22) -------------------------------------------------------------------


def test_uploads_of_the_content_file_only_reach_the_function_behind_the_function_condition(template, resources):
    from registrations.console.files import REPORT_KEY, UPLOAD_PREFIX
    from registrations.console.upload import CONTENT_NAMES

    bucket = resources["ExportBucket"]
    # EventBridge, not a NotificationConfiguration naming the function: the bucket depends on nothing
    assert bucket["Properties"]["NotificationConfiguration"] == {
        "EventBridgeConfiguration": {"EventBridgeEnabled": True}
    }
    assert "Condition" not in bucket
    rule = resources["FollowUpUploadRule"]
    assert rule["Condition"] == "HasFunction"
    pattern = rule["Properties"]["EventPattern"]
    assert pattern["source"] == ["aws.s3"] and pattern["detail-type"] == ["Object Created"]
    assert pattern["detail"]["bucket"]["name"] == [{"Ref": "ExportBucket"}]
    keys = pattern["detail"]["object"]["key"]
    assert keys == [UPLOAD_PREFIX + name for name in CONTENT_NAMES]
    # The function's own controle.txt never wakes it
    assert REPORT_KEY not in keys and all(isinstance(key, str) for key in keys)
    [target] = rule["Properties"]["Targets"]
    assert target["Arn"]["Fn::Sub"].endswith(":function:${ProjectName}-${Stage}")
    permission = resources["FollowUpUploadInvokesTheFunction"]
    assert permission["Condition"] == "HasFunction"
    assert permission["Properties"]["SourceArn"] == {"Fn::GetAtt": ["FollowUpUploadRule", "Arn"]}
    assert permission["Properties"]["Principal"] == "events.amazonaws.com"


def test_the_function_reads_the_uploads_writes_the_check_and_keeps_the_published_copies(resources):
    from registrations.console.files import PUBLISHED_PREFIX, REPORT_KEY, STATE_KEY, UPLOAD_PREFIX

    policy = resources["FunctionPublishesTheFollowUp"]["Properties"]
    assert policy["RoleName"] == {"Ref": "FunctionRole"}
    found = statements(resources, "FunctionPublishesTheFollowUp")
    grants = {(s["Effect"], a, s["Resource"]["Fn::Sub"]) for s in found.values() for a in as_list(s["Action"])}
    arn = "${ExportBucket.Arn}/"
    assert grants == {
        ("Allow", "s3:GetObject", arn + UPLOAD_PREFIX + "*"),
        ("Allow", "s3:PutObject", arn + REPORT_KEY),
        ("Allow", "s3:GetObject", arn + PUBLISHED_PREFIX + "*"),
        ("Allow", "s3:PutObject", arn + PUBLISHED_PREFIX + "*"),
    }
    assert STATE_KEY.startswith(PUBLISHED_PREFIX)
    # Nothing deletes a published copy
    assert not [a for s in found.values() for a in as_list(s["Action"]) if "Delete" in a]


def test_staff_may_upload_the_follow_up_and_read_the_check_and_nothing_more(resources):
    from registrations.console.files import REPORT_KEY, UPLOAD_PREFIX

    found = statements(resources, "StaffOperatorPolicy")
    s3 = {
        (s["Effect"], a, s["Resource"]["Fn::Sub"])
        for s in found.values()
        for a in as_list(s["Action"])
        if a.startswith("s3:")
    }
    arn = "${ExportBucket.Arn}/"
    assert s3 == {
        ("Allow", "s3:PutObject", arn + UPLOAD_PREFIX + "*"),
        ("Allow", "s3:GetObject", arn + REPORT_KEY),
        ("Deny", "s3:PutObject", arn + REPORT_KEY),
    }


def test_the_papers_answers_are_not_replaced_by_cloudfronts_error_page(resources):
    from registrations.errors import InvalidLink, PapersOnlyForRegistrants, RevokedLink, UnknownPaper
    from registrations.web.errors import STATUS

    replaced = {
        r["ErrorCode"] for r in resources["Distribution"]["Properties"]["DistributionConfig"]["CustomErrorResponses"]
    }
    # What the paper route answers (web/papers.py); a revoked link gets the map's default, 400
    answers = {
        STATUS[PapersOnlyForRegistrants],
        STATUS[UnknownPaper],
        STATUS.get(RevokedLink, 400),
        STATUS[InvalidLink],
    }
    assert answers == {400, 403, 410}
    assert not answers & replaced


def test_the_function_may_publish_to_the_staff_topic_only(role_statements, template):
    """The staff alert (delivery/staff_alert.py): sns:Publish on StaffAlertTopic, on nothing else; the deploy step hands the
    function the topic's ARN from the stack's output."""
    publishing = [s for s in role_statements.values() if "sns:Publish" in as_list(s["Action"])]
    assert [s["Sid"] for s in publishing] == ["StaffAlertOnly"]
    [statement] = publishing
    assert statement["Action"] == "sns:Publish"
    assert statement["Resource"] == {"Ref": "StaffAlertTopic"}
    assert template["Outputs"]["StaffAlertTopicArn"]["Value"] == {"Ref": "StaffAlertTopic"}
    assert template["Resources"]["StaffAlertTopic"]["Properties"]["Subscription"] == [
        {"Protocol": "email", "Endpoint": {"Ref": "StaffEmail"}}
    ]
