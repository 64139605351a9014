"""deploy/stage.py (the steps after `zappa deploy`) against moto's standalone server over HTTP."""

from __future__ import annotations

import dataclasses
import io
import json
import urllib.request
import zipfile

import boto3
import pytest

from deploy.settings import lambda_name, stage_settings
from deploy.stage import Clients, configure, stack_name, stack_update_advice, throttling_operations

STAGE = "production"
REGION = "eu-central-1"


@pytest.fixture
def clients(moto_endpoint):
    urllib.request.urlopen(urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")).close()
    session = boto3.Session(aws_access_key_id="local", aws_secret_access_key="local", region_name=REGION)
    return (
        Clients(
            *(
                session.client(name, endpoint_url=moto_endpoint)
                for name in ("cloudformation", "ssm", "lambda", "apigateway")
            )
        ),
        session,
        moto_endpoint,
    )


@pytest.fixture
def deployed(clients):
    """What the stack and `zappa deploy` leave behind: stack outputs, the function, its REST API and stage."""
    clients, session, endpoint = clients
    function = lambda_name(STAGE)
    settings = stage_settings(STAGE)
    outputs = {
        "FunctionName": function,
        "SiteUrl": "https://d111111abcdef8.cloudfront.net",
        "MailSender": "VNG netwerkbijeenkomst <netwerkbijeenkomst@vng.example>",
        "TokenSecretParameterName": f"/{settings['project_name']}/{STAGE}/token-secret",
        "ApiOrigin": "none",
        "OriginSecretParameterName": f"/{settings['project_name']}/{STAGE}/origin-secret",
        "OriginSecretInUse": "false",
        "StaffAlertTopicArn": "arn:aws:sns:eu-central-1:123456789012:vng-registrations-production-staff-alerts",
    }
    clients.cloudformation.create_stack(StackName=stack_name(STAGE), TemplateBody=stack_body(outputs))
    role = session.client("iam", endpoint_url=endpoint).create_role(
        RoleName=settings["role_name"],
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def lambda_handler(event, context):\n    return {}\n")
    clients.lambda_.create_function(
        FunctionName=function,
        Runtime="python3.13",
        Role=role["Role"]["Arn"],
        Handler="handler.lambda_handler",
        Code={"ZipFile": code.getvalue()},
        Environment={"Variables": dict(settings["aws_environment_variables"])},
    )
    api = clients.apigateway.create_rest_api(name=function)
    root = clients.apigateway.get_resources(restApiId=api["id"])["items"][0]["id"]
    clients.apigateway.put_method(restApiId=api["id"], resourceId=root, httpMethod="ANY", authorizationType="NONE")
    clients.apigateway.put_integration(restApiId=api["id"], resourceId=root, httpMethod="ANY", type="MOCK")
    clients.apigateway.create_deployment(restApiId=api["id"], stageName=STAGE)
    return clients, api["id"], outputs


def stack_body(outputs):
    return json.dumps(
        {
            "Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
            "Outputs": {key: {"Value": value} for key, value in outputs.items()},
        }
    )


def environment(clients):
    return clients.lambda_.get_function_configuration(FunctionName=lambda_name(STAGE))["Environment"]["Variables"]


def secret(clients, outputs):
    return clients.ssm.get_parameter(Name=outputs["TokenSecretParameterName"], WithDecryption=True)["Parameter"]


def test_configure_makes_the_secret_sets_the_environment_and_throttles_the_api(deployed):
    clients, api_id, outputs = deployed
    # When the stage is configured after its first zappa deploy
    result = configure(clients, STAGE, REGION)
    # Then a random token secret lives in SSM as a SecureString ...
    parameter = secret(clients, outputs)
    assert parameter["Type"] == "SecureString"
    assert len(parameter["Value"]) >= 40
    # ... the function has it with the stack's address and sender, and keeps what zappa_settings.json set
    variables = environment(clients)
    assert variables["TOKEN_SECRET"] == parameter["Value"]
    assert variables["SITE_URL"] == outputs["SiteUrl"]
    assert variables["MAIL_SENDER"] == outputs["MailSender"]
    assert variables["STAFF_ALERT_TOPIC"] == outputs["StaffAlertTopicArn"]
    for key, value in stage_settings(STAGE)["aws_environment_variables"].items():
        assert variables[key] == value
    # ... the API stage is throttled as zappa_settings.json says
    throttling = stage_settings(STAGE)["api_gateway_throttling"]
    method_settings = clients.apigateway.get_stage(restApiId=api_id, stageName=STAGE)["methodSettings"]["*/*"]
    assert method_settings["throttlingRateLimit"] == throttling["rate_limit"]
    assert method_settings["throttlingBurstLimit"] == throttling["burst_limit"]
    # ... and it says where CloudFront must send /api/*
    assert result["api_domain"] == f"{api_id}.execute-api.{REGION}.amazonaws.com"
    assert result["api_wired"] == "False"


class RecordingLambda:
    """The Lambda client, keeping what each configuration update asked (moto does not keep LoggingConfig)."""

    def __init__(self, inner):
        self.inner = inner
        self.updates: list[dict] = []

    def update_function_configuration(self, **kwargs):
        self.updates.append(kwargs)
        return self.inner.update_function_configuration(**kwargs)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_configure_sets_lambdas_json_log_format_in_the_same_update_as_the_environment(deployed):
    clients, _, _ = deployed
    recording = RecordingLambda(clients.lambda_)
    configure(dataclasses.replace(clients, lambda_=recording), STAGE, REGION)
    [update] = recording.updates
    assert update["LoggingConfig"] == {"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "INFO"}
    assert "TOKEN_SECRET" in update["Environment"]["Variables"]


def test_configure_again_keeps_the_secret(deployed):
    clients, _, outputs = deployed
    configure(clients, STAGE, REGION)
    first = secret(clients, outputs)["Value"]
    result = configure(clients, STAGE, REGION)
    assert secret(clients, outputs)["Value"] == first
    assert result["environment_changed"] == "False"


def test_rotating_replaces_the_secret_in_ssm_and_on_the_function(deployed):
    clients, _, outputs = deployed
    configure(clients, STAGE, REGION)
    old = secret(clients, outputs)["Value"]
    configure(clients, STAGE, REGION, rotate=True)
    new = secret(clients, outputs)["Value"]
    assert new != old
    assert environment(clients)["TOKEN_SECRET"] == new


def test_the_origin_secret_is_made_in_ssm_and_set_on_the_function_only_once_cloudfront_sends_it(deployed, capsys):
    clients, _, outputs = deployed
    # Given a stack whose CloudFront does not send the origin secret yet
    result = configure(clients, STAGE, REGION)
    # Then the secret is made in SSM, but the function does not ask for it yet (it would refuse CloudFront)
    parameter = clients.ssm.get_parameter(Name=outputs["OriginSecretParameterName"], WithDecryption=True)["Parameter"]
    assert parameter["Type"] == "SecureString" and len(parameter["Value"]) >= 40
    assert "ORIGIN_SECRET" not in environment(clients)
    # ... and the advice passes it to the stack from SSM in the shell, never as a value
    advice = stack_update_advice(result, REGION, STAGE)
    assert f"--name {outputs['OriginSecretParameterName']} " in advice and 'OriginSecret="$(aws ssm' in advice
    assert parameter["Value"] not in advice
    # When the stack has been updated with it
    clients.cloudformation.update_stack(
        StackName=stack_name(STAGE), TemplateBody=stack_body({**outputs, "OriginSecretInUse": "true"})
    )
    result = configure(clients, STAGE, REGION)
    # Then the function refuses requests without it, with the same value as CloudFront sends
    assert environment(clients)["ORIGIN_SECRET"] == parameter["Value"]
    assert "OriginSecret" not in stack_update_advice(result, REGION, STAGE)
    # ... and a later configure keeps it
    assert configure(clients, STAGE, REGION)["environment_changed"] == "False"


@pytest.mark.parametrize(
    ("throttling", "valid"),
    [
        ({"rate_limit": 10, "burst_limit": 20}, True),
        ({"rate_limit": 10, "burst_limit": 10}, True),
        ({"rate_limit": 0, "burst_limit": 20}, False),
        ({"rate_limit": 30, "burst_limit": 20}, False),
    ],
)
def test_throttling_needs_a_positive_rate_no_larger_than_the_burst(throttling, valid):
    if valid:
        assert [op["path"] for op in throttling_operations(throttling)] == [
            "/*/*/throttling/rateLimit",
            "/*/*/throttling/burstLimit",
        ]
    else:
        with pytest.raises(SystemExit):
            throttling_operations(throttling)
