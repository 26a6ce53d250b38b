"""What `make mutate` mutates: the modules where a silent bug is a breach, and their tests.

`SCOPE` names, for each module, the functions to mutate ("*": all of them)
and the fast tests that cover it; mutmut runs, for each mutant, those of the
scope's tests that reach the changed function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterable, List, Sequence

__all__ = ["SCOPE", "Target", "module_file", "module_of", "mutant_patterns"]

U = "tests/unit/"
IT = "tests/integration/"


@dataclass(frozen=True)
class Target:
    """A module's functions to mutate ("*": all of them) and the fast tests that cover it.

    `own_tests_only`: its mutants are tested with these tests only, not with
    every test of the scope that reaches the changed function.
    """

    functions: Sequence[str]
    tests: Sequence[str]
    own_tests_only: bool = False


IDENTITY_TESTS = (U + "test_identity_checks.py", U + "test_request_actions.py",
                  U + "test_paused_forms.py", U + "test_continuity_actions.py",
                  U + "test_idempotency_keys.py", U + "test_action_names.py")
OUTBOX_TESTS = (U + "test_sending.py", U + "test_request_actions.py", U + "test_outbox_helpers.py",
                U + "test_idempotency_keys.py", U + "test_case_status_housing.py",
                IT + "test_outbox.py", IT + "test_exactly_once.py",
                IT + "test_forwarded_applications.py")
EVENTS_TESTS = (U + "test_cms_events.py", IT + "test_notices.py")
SMS_TESTS = (U + "test_sms_text.py", U + "test_sms_options.py", IT + "test_sms_channel.py")
PRIVACY_TESTS = (U + "test_privacy.py", IT + "test_private_store.py", IT + "test_retention.py")
CASE_TESTS = (U + "test_case_status.py", U + "test_case_status_housing.py",
              U + "test_request_actions.py",
              IT + "test_forwarded_applications.py", U + "test_action_names.py")

SCOPE: Dict[str, Target] = {
    # Identity and the one-time code.
    "actions.citizen_requests.otp": Target(["*"], IDENTITY_TESTS),
    "actions.citizen_requests.base": Target([
        "identity_level", "previous_message_at", "identity_locked",
        "RequestForm.required_slots", "RequestForm.validate_national_id",
        "RequestForm.validate_date_of_birth", "RequestForm._identity_failed",
        "RequestForm.validate_otp_code",
    ], IDENTITY_TESTS),
    "actions.validation.identifiers": Target([
        "national_id_check_digit", "_birth_dates", "national_id", "age_on",
        "birth_date_from_national_id", "national_id_matches_birth_date",
    ], (U + "test_validation.py",) + IDENTITY_TESTS),
    "actions.validation.masking": Target(["*"], (U + "test_validation.py",) + IDENTITY_TESTS),
    # Idempotency keys and the outbox.
    "clients.http": Target(["idempotency_key", "encode_json", "_json_default"],
                               ("tests/api/test_http.py",) + OUTBOX_TESTS),
    "actions.citizen_requests.sending": Target(["*"], OUTBOX_TESTS),
    "bot.store.outbox": Target([
        "Outbox.add", "Outbox.get", "Outbox.due", "Outbox.mark_delivered",
        "Outbox.undelivered_notifications", "Outbox.mark_notified", "Outbox._claim",
        "_unclaimed", "_find",
    ], (U + "test_sending.py", U + "test_outbox_helpers.py", IT + "test_outbox.py",
        IT + "test_exactly_once.py")),
    # Signatures and secrets of every channel, and the CMS's events.
    "channels.cms_events": Target([
        "sign", "CmsEventsInput.__init__", "CmsEventsInput.signed", "CmsEventsInput.receive",
        "_check_event_id",
    ], EVENTS_TESTS),
    "bot.notices": Target(["parse_event"], EVENTS_TESTS),
    "channels.telegram": Target(["TelegramInput.authorized"],
                                (U + "test_telegram.py", IT + "test_telegram_channel.py")),
    "channels.sms": Target(["SmsInput.signed", "SmsInput._checked", "SmsInput._handle"],
                           SMS_TESTS),
    "channels.webchat": Target(["new_session_id", "valid_session_id", "WebchatInput._confirm"],
                               (U + "test_webchat.py", IT + "test_webchat_channel.py")),
    # Masking and sealing.
    # Every log record passes the masking: its own tests only, not every test that logs.
    "bot.privacy": Target(["*"], (U + "test_privacy.py", IT + "test_private_store.py"),
                          own_tests_only=True),
    "bot.store.tracker": Target(["*"], PRIVACY_TESTS),
    # Opt-out: SMS STOP and the CMS's notices.
    "bot.store.channels": Target(["ChannelOptOuts.*"], SMS_TESTS + (IT + "test_channel_store.py",)),
    "channels.sms_text": Target(["keyword"], SMS_TESTS),
    "channels.sms_output": Target(["SmsOutput.deliver", "SmsOutput._record_failure"], SMS_TESTS),
    "bot.store.persons": Target(["Persons.opt_out", "Persons.opt_in", "Persons.opted_out"],
                                EVENTS_TESTS + (IT + "test_retention.py",)),
    # Case ownership.
    "actions.citizen_requests.case_status": Target(["*"], CASE_TESTS),
    "bot.store.forwarded": Target(["*"], CASE_TESTS),
}


def mutant_patterns(module: str, names: Iterable[str]) -> List[str]:
    """The names mutmut gives the mutants of `names` in `module` (`x_f`, `xǁClassǁmethod`)."""
    patterns = []
    for name in names:
        if name == "*":
            patterns.append(f"{module}.*")
        elif "." in name:
            cls, method = name.split(".")
            patterns.append(f"{module}.x\u01c1{cls}\u01c1{method}__mutmut_*")
        else:
            patterns.append(f"{module}.x_{name}__mutmut_*")
    return patterns


def module_file(module: str) -> str:
    """`bot.store.outbox` -> `bot/store/outbox.py`."""
    return module.replace(".", "/") + ".py"


def module_of(name: str) -> str:
    """The module of SCOPE a mutant's name (or pattern) belongs to."""
    return next(m for m in SCOPE if name.startswith(m + "."))
