"""infra/ops.yaml: every alarm with its threshold, its action and a description that says what to do first and
names its runbook section; the metrics the alarms watch are the ones the function writes (observability/)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from deploy import ROOT
from deploy.infra import load_template
from deploy.settings import lambda_name, stage_settings
from registrations.observability.metrics import OVERDUE_AFTER, Metrics
from tests.observed import check_emf, dimension_sets

OPS = ROOT / "infra" / "ops.yaml"
OPERATIONS = (ROOT / "handbook" / "operations.md").read_text(encoding="utf-8")

# Every alarm: (metric namespace and name, statistic, threshold, comparison, missing data). A change of a threshold
# is a change of this table, and of handbook/operations.md's "Alarms" with the reason it cannot go off on a normal
# day.
ALARMS = {
    "FunctionErrorsAlarm": ("AWS/Lambda", "Errors", "Sum", 1, "GreaterThanOrEqualToThreshold", "notBreaching"),
    "FunctionThrottlesAlarm": ("AWS/Lambda", "Throttles", "Sum", 1, "GreaterThanOrEqualToThreshold", "notBreaching"),
    "FunctionDurationAlarm": ("AWS/Lambda", "Duration", "Maximum", 12000, "GreaterThanThreshold", "notBreaching"),
    "EmailsNotDeliveredAlarm": ("VNG/Registrations", "Emails", "Sum", 1, "GreaterThanOrEqualToThreshold", "notBreaching"),
    "DeliveryLagAlarm": ("VNG/Registrations", "DeliveryLag", "Maximum", 900, "GreaterThanThreshold", "notBreaching"),
    "DeliveryStuckAlarm": ("VNG/Registrations", "OverdueEmails", "Maximum", 1, "GreaterThanOrEqualToThreshold", "breaching"),
    "Api5xxAlarm": ("AWS/ApiGateway", "5XXError", "Sum", 1, "GreaterThanOrEqualToThreshold", "notBreaching"),
    "DeliveryFailureQueueAlarm": (
        "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", 0, "GreaterThanThreshold", "notBreaching"
    ),
    "SesBounceRateAlarm": ("AWS/SES", "Reputation.BounceRate", "Maximum", 0.02, "GreaterThanThreshold", "notBreaching"),
    "SesComplaintRateAlarm": (
        "AWS/SES", "Reputation.ComplaintRate", "Maximum", 0.0005, "GreaterThanThreshold", "notBreaching"
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def template():
    return load_template(OPS.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def alarms(template):
    return {
        name: resource["Properties"]
        for name, resource in template["Resources"].items()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
    }


def watched(alarm):
    """(namespace, metric name, statistic, dimensions) of each metric the alarm reads."""
    if "Metrics" in alarm:
        return [
            (
                query["MetricStat"]["Metric"]["Namespace"],
                query["MetricStat"]["Metric"]["MetricName"],
                query["MetricStat"]["Stat"],
                query["MetricStat"]["Metric"]["Dimensions"],
            )
            for query in alarm["Metrics"]
            if "MetricStat" in query
        ]
    return [(alarm["Namespace"], alarm["MetricName"], alarm["Statistic"], alarm.get("Dimensions", []))]


def values(dimensions, stage="production"):
    def value(v):
        text = v["Fn::Sub"] if isinstance(v, dict) and "Fn::Sub" in v else (stage if v == {"Ref": "Stage"} else v)
        return text.replace("${ProjectName}", "vng-registrations").replace("${Stage}", stage)

    return {d["Name"]: value(d["Value"]) for d in dimensions}


def test_every_alarm_is_in_the_table_and_the_table_in_the_template(alarms):
    assert sorted(alarms) == sorted(ALARMS)


@pytest.mark.parametrize("name", sorted(ALARMS))
def test_each_alarm_has_its_threshold_and_notifies_the_ops_topic_when_it_goes_off_and_when_it_is_over(name, alarms):
    alarm = alarms[name]
    namespace, metric, statistic, threshold, comparison, missing = ALARMS[name]
    assert {(n, m, s) for n, m, s, _ in watched(alarm)} == {(namespace, metric, statistic)}
    assert alarm["Threshold"] == threshold
    assert alarm["ComparisonOperator"] == comparison
    assert alarm["TreatMissingData"] == missing
    assert alarm["AlarmActions"] == [{"Ref": "OpsAlertTopic"}]
    assert alarm["OKActions"] == [{"Ref": "OpsAlertTopic"}]


@pytest.mark.parametrize("name", sorted(ALARMS))
def test_each_description_says_what_to_do_first_and_names_a_runbook_section_that_exists(name, alarms):
    description = alarms[name]["AlarmDescription"]
    assert "First:" in description
    [section] = re.findall(r'Runbook: handbook/operations\.md, "([^"]+)"\.', description)
    assert f"\n### {section}\n" in OPERATIONS, section
    # CloudWatch's limit on a description
    assert len(description) <= 1024


def test_the_ops_topic_mails_ops_email(template):
    topic = template["Resources"]["OpsAlertTopic"]["Properties"]
    assert topic["Subscription"] == [{"Protocol": "email", "Endpoint": {"Ref": "OpsEmail"}}]
    assert "OpsEmail" in template["Parameters"]


def test_the_duration_alarm_is_80_percent_of_the_functions_timeout(alarms):
    for stage in ("production", "staging"):
        assert alarms["FunctionDurationAlarm"]["Threshold"] == 0.8 * stage_settings(stage)["timeout_seconds"] * 1000


def test_the_lag_alarms_use_the_deliverers_bound_for_overdue_emails(alarms):
    assert alarms["DeliveryLagAlarm"]["Threshold"] == OVERDUE_AFTER.total_seconds() == 900
    stuck = alarms["DeliveryStuckAlarm"]
    # Missing data is a stuck deliverer: two 5-minute periods without a sweep (it runs every 5 minutes)
    assert stuck["Period"] * stuck["DatapointsToAlarm"] == 600 and stuck["EvaluationPeriods"] == 2


def test_the_function_and_api_dimensions_name_what_zappa_deploys(alarms):
    for name in ("FunctionErrorsAlarm", "FunctionThrottlesAlarm", "FunctionDurationAlarm"):
        [(_, _, _, dimensions)] = watched(alarms[name])
        assert values(dimensions) == {"FunctionName": lambda_name("production")}
    [(_, _, _, dimensions)] = watched(alarms["Api5xxAlarm"])
    assert values(dimensions) == {"ApiName": lambda_name("production"), "Stage": "production"}


def test_the_alarms_on_our_metrics_read_dimension_sets_the_function_writes(alarms, monkeypatch):
    # The function files its metrics under its own name (AWS_LAMBDA_FUNCTION_NAME, which Zappa makes)
    lines: list[str] = []
    metrics = Metrics(lines.append, function=lambda_name("production"))
    now = dt.datetime(2023, 5, 10, 10, 0, tzinfo=dt.UTC)
    metrics.email("confirmation", "failed", None, now)
    metrics.email("reminder", "unknown", None, now)
    metrics.email("confirmation", "sent", "2023-05-10T09:50:00+00:00", now)
    metrics.sweep(1.0, {}, overdue=0)
    written = {
        (name, json.dumps(dims, sort_keys=True))
        for document in map(check_emf, lines)
        for dims in dimension_sets(document)
        for name in document
        if name not in dims and name != "_aws"
    }
    for alarm_name in ("EmailsNotDeliveredAlarm", "DeliveryLagAlarm", "DeliveryStuckAlarm"):
        for _, metric, _, dimensions in watched(alarms[alarm_name]):
            assert (metric, json.dumps(values(dimensions), sort_keys=True)) in written, (alarm_name, metric)


def test_the_failure_queue_alarm_watches_the_main_stacks_queue(alarms):
    main = load_template()
    queue = main["Resources"]["DeliveryFailureQueue"]["Properties"]["QueueName"]["Fn::Sub"]
    [(_, _, _, dimensions)] = watched(alarms["DeliveryFailureQueueAlarm"])
    assert dimensions == [{"Name": "QueueName", "Value": {"Fn::Sub": queue}}]


def test_the_account_level_ses_alarms_are_made_once_by_production(template):
    for name in ("SesBounceRateAlarm", "SesComplaintRateAlarm"):
        assert template["Resources"][name]["Condition"] == "WatchesTheAccount"
    assert template["Conditions"]["WatchesTheAccount"] == {"Fn::Equals": [{"Ref": "Stage"}, "production"]}


@pytest.mark.parametrize("path", sorted((ROOT / "infra").glob("*.yaml")), ids=lambda p: p.name)
def test_every_template_can_be_deployed_without_an_s3_bucket(path):
    # `aws cloudformation deploy --template-file` (handbook/deploying.md) sends the template itself: at most 51,200 bytes.
    assert path.stat().st_size <= 51_200


def dashboard_body(template, stage="production"):
    """The dashboard's JSON as CloudFormation makes it for this stage (alarm ARNs as their logical names)."""
    text = template["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    names = {"ProjectName": "vng-registrations", "Stage": stage, "AWS::Region": "eu-central-1"}
    text = re.sub(r"\$\{(\w+)\.Arn\}", lambda m: f"arn:{m.group(1)}", text)
    return json.loads(re.sub(r"\$\{([\w:]+)\}", lambda m: names[m.group(1)], text))


def test_the_dashboard_draws_registrations_emails_lag_errors_duration_and_ses_verdicts(template):
    body = dashboard_body(template)
    widgets = [w["properties"] for w in body["widgets"] if w["type"] == "metric"]
    drawn = json.dumps([w["metrics"] for w in widgets])
    for metric in ("RegistrationsStored", "Refusals", "Emails", "DeliveryLag", "OverdueEmails", "SesVerdicts"):
        assert f'"{metric}' in drawn or f'\\"{metric}\\"' in drawn, metric
    for metric in ("Errors", "Throttles", "Duration", "5XXError", "SweepDuration", "SweepItems"):
        assert f'"{metric}"' in drawn, metric
    # Our metrics under this stage's function, the AWS ones under its function and API
    assert drawn.count("vng-registrations-production") >= 8 and "staging" not in drawn
    assert all(w["region"] == "eu-central-1" for w in widgets)


def test_the_dashboard_shows_every_alarm_of_the_stage(template, alarms):
    [status] = [w["properties"] for w in dashboard_body(template)["widgets"] if w["type"] == "alarm"]
    unconditional = {name for name in alarms if "Condition" not in template["Resources"][name]}
    assert {arn.removeprefix("arn:") for arn in status["alarms"]} == unconditional


def test_a_stack_output_links_to_the_dashboard(template):
    url = template["Outputs"]["DashboardUrl"]["Value"]["Fn::Sub"]
    assert url.startswith("https://${AWS::Region}.console.aws.amazon.com/cloudwatch/")
    assert url.endswith("#dashboards/dashboard/${Dashboard}")
