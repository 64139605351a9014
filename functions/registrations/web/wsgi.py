"""The WSGI entry for AWS Lambda: Zappa's `app_function` is `registrations.web.wsgi.app`.

The app is built once per Lambda container, at its cold start, from the Lambda's environment variables
(`Settings.from_env`); a missing setting stops the cold start with a ConfigError that names it.
"""

from .. import create_app
from ..observability.metrics import lambda_metrics
from . import access_log

access_log.install()
# Registrations and refusals as EMF documents on stdout (observability/metrics.py).
app = create_app(metrics=lambda_metrics())
