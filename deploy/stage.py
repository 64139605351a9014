"""The steps after `zappa deploy` / `zappa update` that Zappa does not do itself.

    python -m deploy.stage configure --stage production           # after every zappa deploy or update
    python -m deploy.stage rotate-token-secret --stage production

`configure`:
1. makes the token secret if the stage has none yet: a random value in an SSM SecureString parameter (named by the
   stack output TokenSecretParameterName). It is never committed and never printed;
2. sets the function's deploy-time environment: TOKEN_SECRET (from SSM), SITE_URL, MAIL_SENDER and
   STAFF_ALERT_TOPIC (from the stack outputs). `zappa update` keeps variables that zappa_settings.json does not name, so they survive updates;
3. makes the origin secret if the stage has none yet (SSM SecureString, output OriginSecretParameterName): CloudFront
   sends it to the API in a header (the stack parameter OriginSecret), and the function refuses /api requests
   without it. It is set on the function (ORIGIN_SECRET) only once the stack says CloudFront sends it
   (output OriginSecretInUse), so no step of the rollout refuses CloudFront's own requests;
   In the same update, Lambda's JSON log format (LOGGING_CONFIG; Zappa has no setting for it, and keeps it);
4. applies API Gateway stage throttling (`api_gateway_throttling` in zappa_settings.json: a steady rate and a burst,
   the first line against floods; Zappa has no setting for it);
5. prints the API's host name and, while CloudFront does not route /api/* there yet or does not send the origin
   secret, the stack update that does (it reads the secret from SSM in the shell; it is never printed).

`rotate-token-secret` writes a new random secret and sets it on the function. Links signed with the old secret
stop working (see handbook/deploying.md, "Rotating the token secret").
"""

from __future__ import annotations

import argparse
import secrets
import sys
from dataclasses import dataclass

from .settings import lambda_name, stage_settings

DEPLOY_TIME_VARIABLES = ("TOKEN_SECRET", "SITE_URL", "MAIL_SENDER", "ORIGIN_SECRET", "STAFF_ALERT_TOPIC")


@dataclass
class Clients:
    cloudformation: object
    ssm: object
    lambda_: object
    apigateway: object

    @classmethod
    def for_region(cls, region: str, endpoint_url: str | None = None) -> Clients:
        import boto3

        session = boto3.Session(region_name=region)
        return cls(
            *(
                session.client(name, endpoint_url=endpoint_url)
                for name in ("cloudformation", "ssm", "lambda", "apigateway")
            )
        )


def stack_name(stage: str) -> str:
    """The infra stack of a stage. Not `<project>-<stage>`: Zappa gives that name to its own API Gateway stack."""
    return f"{stage_settings(stage)['project_name']}-{stage}-infra"


def stack_outputs(clients: Clients, stage: str) -> dict[str, str]:
    [stack] = clients.cloudformation.describe_stacks(StackName=stack_name(stage))["Stacks"]
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}


def stored_secret(clients: Clients, parameter: str, description: str, rotate: bool = False) -> str:
    """A secret of the stage from SSM; made (or replaced, when rotating) as 32 random bytes."""
    if not rotate:
        try:
            return clients.ssm.get_parameter(Name=parameter, WithDecryption=True)["Parameter"]["Value"]
        except clients.ssm.exceptions.ParameterNotFound:
            pass
    value = secrets.token_urlsafe(32)
    clients.ssm.put_parameter(
        Name=parameter, Value=value, Type="SecureString", Overwrite=rotate, Description=description
    )
    return value


def token_secret(clients: Clients, parameter: str, rotate: bool = False) -> str:
    return stored_secret(clients, parameter, "TOKEN_SECRET of the registration function (signs personal links)", rotate)


def origin_secret(clients: Clients, parameter: str) -> str:
    return stored_secret(clients, parameter, "ORIGIN_SECRET: CloudFront's header to the API (parameter OriginSecret)")


# Lambda's own JSON log format (Zappa has no setting for it): the platform's lines (START, REPORT with the duration)
# are JSON too, and Lambda filters by level. The function's lines are JSON either way (observability/logs.py).
LOGGING_CONFIG = {"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "INFO"}


def set_function_environment(clients: Clients, function: str, values: dict[str, str]) -> bool:
    """Merge these variables into the function's environment, and set the JSON log format, in one update (a second
    update right after the first is refused while Lambda applies it); True when the environment changed."""
    current = clients.lambda_.get_function_configuration(FunctionName=function)
    variables = dict(current.get("Environment", {}).get("Variables", {}))
    logging_config = current.get("LoggingConfig", {})
    same_logs = all(logging_config.get(key) == value for key, value in LOGGING_CONFIG.items())
    same_environment = all(variables.get(key) == value for key, value in values.items())
    if same_environment and same_logs:
        return False
    variables.update(values)
    clients.lambda_.update_function_configuration(
        FunctionName=function, Environment={"Variables": variables}, LoggingConfig=LOGGING_CONFIG
    )
    return not same_environment


def rest_api_id(clients: Clients, name: str) -> str:
    """Zappa names the REST API after the function."""
    ids = [
        api["id"]
        for page in clients.apigateway.get_paginator("get_rest_apis").paginate()
        for api in page.get("items", [])
        if api["name"] == name
    ]
    if len(ids) != 1:
        raise SystemExit(f"expected one API Gateway REST API named {name!r}, found {len(ids)}: run zappa deploy first")
    return ids[0]


def throttling_operations(throttling: dict) -> list[dict]:
    """Stage-wide method settings (`/*/*`): the steady rate (requests per second) and the burst."""
    rate, burst = throttling["rate_limit"], throttling["burst_limit"]
    if not (0 < rate <= burst):
        raise SystemExit("api_gateway_throttling needs 0 < rate_limit <= burst_limit")
    return [
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": str(float(rate))},
        {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": str(int(burst))},
    ]


def configure(clients: Clients, stage: str, region: str, rotate: bool = False) -> dict[str, str]:
    settings = stage_settings(stage)
    outputs = stack_outputs(clients, stage)
    function = lambda_name(stage)
    if outputs.get("FunctionName") != function:
        raise SystemExit(f"the stack makes function {outputs.get('FunctionName')!r}, zappa deploys {function!r}")
    environment = {
        "TOKEN_SECRET": token_secret(clients, outputs["TokenSecretParameterName"], rotate=rotate),
        "SITE_URL": outputs["SiteUrl"],
        "MAIL_SENDER": outputs["MailSender"],
    }
    if "StaffAlertTopicArn" in outputs:
        # The staff alert (registrations/delivery/staff_alert.py) publishes to the stack's topic.
        environment["STAFF_ALERT_TOPIC"] = outputs["StaffAlertTopicArn"]
    origin_secret_in_use = outputs.get("OriginSecretInUse") == "true"
    if "OriginSecretParameterName" in outputs:
        secret = origin_secret(clients, outputs["OriginSecretParameterName"])
        if origin_secret_in_use:
            environment["ORIGIN_SECRET"] = secret
    changed = set_function_environment(clients, function, environment)
    api_id = rest_api_id(clients, function)
    clients.apigateway.update_stage(
        restApiId=api_id, stageName=stage, patchOperations=throttling_operations(settings["api_gateway_throttling"])
    )
    api_domain = f"{api_id}.execute-api.{region}.amazonaws.com"
    return {
        "function": function,
        "environment_changed": str(changed),
        "api_domain": api_domain,
        "api_wired": str(outputs.get("ApiOrigin") == f"https://{api_domain}/{stage}"),
        "origin_secret_in_use": str(origin_secret_in_use),
        "origin_secret_parameter": outputs.get("OriginSecretParameterName", ""),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["configure", "rotate-token-secret"])
    parser.add_argument("--stage", default="production")
    args = parser.parse_args(argv)
    region = stage_settings(args.stage)["aws_region"]
    result = configure(Clients.for_region(region), args.stage, region, rotate=args.command == "rotate-token-secret")
    print(
        f"{result['function']}: environment {'updated' if result['environment_changed'] == 'True' else 'unchanged'}"
        f" ({', '.join(DEPLOY_TIME_VARIABLES)}); API throttling applied"
    )
    print(stack_update_advice(result, region, args.stage), end="")
    return 0


def stack_update_advice(result: dict[str, str], region: str, stage: str) -> str:
    """The stack update still needed, if any: route /api/* to this API, and have CloudFront send the origin
    secret (read from SSM in the deployer's shell, so it is never printed or written into a file)."""
    overrides, reasons = [], []
    if result["api_wired"] != "True":
        overrides.append(f"ApiDomainName={result['api_domain']}")
        reasons.append("CloudFront does not send /api/* to this API yet")
    if result["origin_secret_in_use"] != "True" and result["origin_secret_parameter"]:
        overrides.append(
            f'OriginSecret="$(aws ssm get-parameter --region {region} --with-decryption '
            f'--name {result["origin_secret_parameter"]} --query Parameter.Value --output text)"'
        )
        reasons.append("CloudFront does not send the origin secret yet")
    if not overrides:
        return ""
    return (
        f"{'; '.join(reasons)}. Run:\n"
        f"  aws cloudformation deploy --region {region} --stack-name {stack_name(stage)} "
        f"--template-file infra/template.yaml --capabilities CAPABILITY_NAMED_IAM "
        f"--parameter-overrides {' '.join(overrides)}\n"
        f"and then this command (deploy.stage configure) again.\n"
    )


if __name__ == "__main__":
    sys.exit(main())
