"""What AWS said no to, in Dutch, with the next step: the staff command never shows a traceback.

botocore's errors reach the command either as they are (a profile that does not exist fails when the session is
made) or as the cause of the repository's StoreUnavailable. `explain` looks through the chain of causes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from botocore import exceptions as aws

from . import EXIT_NO_NETWORK, EXIT_NO_TABLE, EXIT_PERMISSION, EXIT_SIGN_IN

REGION_TEXT = "Europe (Frankfurt), eu-central-1"
SIGN_IN_AGAIN = "Log opnieuw in met: aws sso login --profile {profile}"
# botocore's errors for an SSO sign-in that has expired or was never completed (names differ between versions).
SSO_ERROR_NAMES = (
    "SSOTokenLoadError",
    "UnauthorizedSSOTokenError",
    "TokenRetrievalError",
    "SSOError",
    "PendingAuthorizationExpiredError",
)
EXPIRED_CODES = {
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
}
DENIED_CODES = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Forbidden", "403"}
NO_NETWORK_ERROR_NAMES = ("EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError", "ConnectionClosedError")


def error_classes(errors: ModuleType, names: tuple[str, ...]) -> tuple[type[BaseException], ...]:
    return tuple(getattr(errors, name) for name in names if hasattr(errors, name))


@dataclass(frozen=True)
class Target:
    """What the messages name: the table, its region and the profile (None: not known)."""

    table: str | None
    region: str | None
    profile: str | None


def causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def explain(exc: BaseException, where: Target) -> tuple[int, str] | None:
    """The exit code and the Dutch message for an AWS error; None when it is not one of those we can explain."""
    for cause in causes(exc):
        found = _explain_one(cause, where)
        if found is not None:
            return found
    return None


def _explain_one(exc: BaseException, where: Target) -> tuple[int, str] | None:
    # Imported here, not with the module: `registrations --help` loads no botocore.
    from botocore import exceptions as aws

    sso_errors = error_classes(aws, SSO_ERROR_NAMES)
    profile = where.profile or "UW-PROFIEL"
    if isinstance(exc, aws.ProfileNotFound):
        return EXIT_SIGN_IN, (
            f"Het AWS-profiel ‘{where.profile or exc.kwargs.get('profile', '')}’ bestaat niet op deze computer.\n"
            "Controleer de naam (hoofdletters tellen mee). Uw profielen ziet u met: aws configure list-profiles\n"
            "Hebt u nog geen profiel? Maak er een met: aws configure sso (STAFF.md, hoofdstuk 3)."
        )
    if sso_errors and isinstance(exc, sso_errors):
        return EXIT_SIGN_IN, (
            "Uw aanmelding bij AWS is verlopen.\n"
            f"{SIGN_IN_AGAIN.format(profile=profile)}\n"
            "Probeer daarna dezelfde opdracht opnieuw."
        )
    if isinstance(exc, aws.NoCredentialsError):
        return EXIT_SIGN_IN, (
            "U bent niet aangemeld bij AWS: er is geen inlog gevonden.\n"
            f"Meld u aan met: aws sso login --profile {profile}\n"
            f"Geef daarna bij de opdracht uw profiel op: --profile {profile} (of zet AWS_PROFILE).\n"
            "Hebt u nog geen profiel? Maak er een met: aws configure sso (STAFF.md, hoofdstuk 3)."
        )
    if isinstance(exc, error_classes(aws, NO_NETWORK_ERROR_NAMES)):
        return EXIT_NO_NETWORK, (
            f"Er is geen verbinding met AWS ({where.region or 'onbekende regio'}).\n"
            "Controleer uw internetverbinding (en uw VPN, als u die gebruikt) en probeer het over een paar "
            "minuten opnieuw."
        )
    if isinstance(exc, aws.ClientError):
        return _explain_client_error(exc, where)
    return None


def _explain_client_error(exc: aws.ClientError, where: Target) -> tuple[int, str] | None:
    code = str(exc.response.get("Error", {}).get("Code", ""))
    if code in EXPIRED_CODES:
        return EXIT_SIGN_IN, (
            "AWS herkent uw inlog niet (meer): die is verlopen of hoort bij een ander account.\n"
            f"{SIGN_IN_AGAIN.format(profile=where.profile or 'UW-PROFIEL')}\n"
            "Probeer daarna dezelfde opdracht opnieuw."
        )
    if code in DENIED_CODES:
        return EXIT_PERMISSION, (
            f"U hebt in AWS geen toestemming voor deze opdracht ({exc.operation_name} op tabel {where.table}).\n"
            "Vraag de beheerder om het juiste beleid aan uw account te koppelen (STAFF.md, hoofdstuk 4): "
            "‘staff-reader’ om te lezen, en ‘staff-operator’ ook voor send-followup, cancel en resend.\n"
            "Controleer ook of u met het goede profiel bent aangemeld (--profile)."
        )
    if code == "ResourceNotFoundException":
        return EXIT_NO_TABLE, (
            f"De tabel ‘{where.table}’ bestaat niet in regio {where.region}.\n"
            f"Controleer de naam en de regio: de tabel staat in {REGION_TEXT}. De naam staat bovenaan "
            "STAFF.md (of vraag hem aan de beheerder)."
        )
    return None


def unexpected(exc: BaseException) -> str:
    return (
        f"Er ging iets onverwachts mis ({type(exc).__name__}). Er is mogelijk niet alles gedaan.\n"
        "Probeer het opnieuw. Gebeurt het weer? Stuur deze melding dan naar de beheerder."
    )
