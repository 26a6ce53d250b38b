"""Settings, demo data, module hygiene and the contract validator itself."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from backends.cms import load_cms_settings
from backends.cms.casework import STATUSES, valid_bank_account, valid_national_id
from backends.cms.seed import DEMO_CASES, DEMO_PEOPLE
from backends.common import sign, verify_signature
from backends.housing import load_housing_settings
from bot.errors import SettingsError
from bot.settings import PROJECT_ROOT, SettingsSource
from tests.backends.openapi import ContractError, cms_contract, housing_contract

BACKENDS = PROJECT_ROOT / "backends"


def source(**values: str) -> SettingsSource:
    return SettingsSource(values, {})


class TestSettings:
    def test_cms_defaults(self) -> None:
        settings = load_cms_settings(source())
        assert (settings.host, settings.port, settings.token) == (
            "127.0.0.1", 8081, "dev-cms-token"
        )
        assert settings.database_url == f"sqlite:///{PROJECT_ROOT / 'var' / 'cms' / 'cms.db'}"
        assert settings.otp_log == PROJECT_ROOT / "var" / "cms" / "otp.log"
        assert (settings.fail_mode, settings.fail_count) == ("none", 1)

    def test_housing_defaults(self) -> None:
        settings = load_housing_settings(source())
        assert (settings.port, settings.api_key, settings.maintenance) == (
            8082, "dev-housing-key", "auto"
        )
        assert (settings.delay_seconds, settings.down) == (0, False)
        assert settings.database_url.endswith("var/housing/housing.db")

    def test_env_file_is_read_through_the_project_settings(self, tmp_path: Path) -> None:
        env = tmp_path / ".env"
        env.write_text("NSSA_CMS_FAIL_MODE=429\nNSSA_CMS_FAIL_COUNT=3\n")
        settings = load_cms_settings(environ={}, env_file=env)
        assert (settings.fail_mode, settings.fail_count) == ("429", 3)

    @pytest.mark.parametrize(
        "key,value",
        [
            ("NSSA_CMS_PORT", "0"),
            ("NSSA_CMS_FAIL_MODE", "sometimes"),
            ("NSSA_CMS_FAIL_COUNT", "-1"),
            ("NSSA_CMS_DATABASE_URL", "postgresql://db/cms"),
            ("NSSA_CMS_TIMEZONE", "Mars/Olympus"),
            ("NSSA_CMS_DELIVERY_INTERVAL", "0"),
        ],
    )
    def test_bad_cms_values_name_the_setting(self, key: str, value: str) -> None:
        with pytest.raises(SettingsError, match=rf"{key}=.* is not valid"):
            load_cms_settings(source(**{key: value}))

    @pytest.mark.parametrize(
        "key,value",
        [
            ("NSSA_HOUSING_MAINTENANCE", "maybe"),
            ("NSSA_HOUSING_DELAY_SECONDS", "-1"),
            ("NSSA_HOUSING_DOWN", "perhaps"),
            ("NSSA_HOUSING_PORT", "eighty"),
        ],
    )
    def test_bad_housing_values_name_the_setting(self, key: str, value: str) -> None:
        with pytest.raises(SettingsError, match=rf"{key}=.* is not valid"):
            load_housing_settings(source(**{key: value}))


class TestDemoData:
    def test_people_have_valid_consistent_numbers(self) -> None:
        assert len(DEMO_PEOPLE) >= 6
        for person in DEMO_PEOPLE:
            assert valid_national_id(person.national_id), person
            born = person.date_of_birth
            yy, mm, dd = born[2:4], born[5:7], born[8:10]
            assert person.national_id[:6] == yy + mm + dd, person
            assert person.bank_account is None or valid_bank_account(person.bank_account), person
            assert person.phone is None or re.fullmatch(r"0\d{9}", person.phone), person
            assert re.fullmatch(r"\d{4}", person.postcode), person
        assert sum(person.phone is None for person in DEMO_PEOPLE) == 1
        assert len({person.national_id for person in DEMO_PEOPLE}) == len(DEMO_PEOPLE)

    def test_cases_cover_every_status(self) -> None:
        assert {case.status for case in DEMO_CASES} == set(STATUSES)
        assert "NSSA-2026-000123" in {case.reference for case in DEMO_CASES}

    def test_handbook_examples_check_out(self) -> None:
        assert valid_national_id("85031212345")
        assert not valid_national_id("85031212346")
        assert valid_bank_account("NR941234567890123456")
        assert not valid_bank_account("NR951234567890123456")

    def test_readme_table_lists_the_demo_people(self) -> None:
        text = (BACKENDS / "README.md").read_text()
        rows = {
            cells[2]: cells
            for cells in (
                [c.strip() for c in line.strip("|").split("|")]
                for line in text.splitlines()
                if re.match(r"\| [A-Z][a-z]+ [A-Z]", line)
            )
        }
        for person in DEMO_PEOPLE:
            name, person_id, national_id, born, last4, cases = rows[person.national_id]
            assert name == f"{person.first_name} {person.last_name}"
            assert person_id == person.person_id
            assert born == person.date_of_birth
            assert last4 == (person.phone[-4:] if person.phone else "none")
            for case in DEMO_CASES:
                if case.person_id == person.person_id:
                    assert f"{case.reference}" in cases and f"({case.status})" in cases


class TestModules:
    MODULES = sorted(BACKENDS.rglob("*.py"))

    @pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(BACKENDS)))
    def test_small_documented_with_a_public_surface(self, path: Path) -> None:
        text = path.read_text()
        tree = ast.parse(text)
        assert len(text.splitlines()) < 400
        assert ast.get_docstring(tree), "module docstring"
        if path.name != "__main__.py":
            assert "__all__" in text
        assert "os.environ" not in text and "getenv" not in text


def test_signature_round_trip() -> None:
    body = b'{"event_id":"evt_1"}'
    header = sign("secret-secret-123", body)
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert verify_signature("secret-secret-123", body, header)
    assert not verify_signature("another-secret-12", body, header)
    assert not verify_signature("secret-secret-123", body + b" ", header)


class TestValidator:
    def test_rejects_a_body_against_the_schema(self) -> None:
        contract = cms_contract()
        case = {"reference": "NSSA-2026-000001", "type": "x", "status": "pending",
                "created_at": "2026-01-01T00:00:00Z"}
        with pytest.raises(ContractError, match="status"):
            contract.check("GET", "/v1/cases/NSSA-2026-000001", 200, case, "application/json")

    def test_nullable_and_formats(self) -> None:
        contract = cms_contract()
        person = {"person_id": "P", "first_name": "A", "bank_account_last4": None,
                  "address": {"street": "s", "postcode": "1010", "city": "c"}}
        contract.check("GET", "/v1/persons/P", 200, person, "application/json")
        with pytest.raises(ContractError, match="postcode"):
            contract.check("GET", "/v1/persons/P", 200,
                           {**person, "address": {**person["address"], "postcode": "10"}},
                           "application/json")
        with pytest.raises(ContractError, match="date-time"):
            contract.check("POST", "/v1/appointments", 201,
                           {"appointment_id": "a", "office_id": "o", "start": "2026-03-26 09:00"},
                           "application/json")

    def test_rejects_undeclared_statuses_and_paths(self) -> None:
        contract = housing_contract()
        with pytest.raises(ContractError, match="not declared"):
            contract.check(
                "GET", "/intake/v2/applications/HO-12345678", 409, {}, "application/json"
            )
        with pytest.raises(ContractError, match="not in"):
            contract.check("GET", "/intake/v3/x", 200, {}, "application/json")
        with pytest.raises(ContractError):
            contract.check("POST", "/intake/v2/applications", 401, {"code": "x", "message": "y"},
                           "application/json")
