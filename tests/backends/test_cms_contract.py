"""A tour of the CMS that produces every response the contract declares, each validated."""

from __future__ import annotations

from backends.cms.context import CMS
from tests.backends.conftest import CheckedClient, otp_codes
from tests.backends.openapi import cms_contract

ANNA = {"national_id": "85031212345", "date_of_birth": "1985-03-12"}
CALLBACK = {
    "type": "callback_request",
    "channel": "sms",
    "fields": {"name": "Anna", "phone_number": "0412345678", "time_window": "morning",
               "topic": "Pension"},
}


async def test_every_declared_response_is_produced_and_matches(cms: CheckedClient) -> None:
    contract = cms_contract()
    api = CheckedClient(cms.client, contract, cms.default_headers)
    settings = cms.app[CMS].settings

    assert (await api.get("/v1/health", auth=False)).body == {"status": "ok"}

    verified = await api.post("/v1/identity/verify", ANNA, key=None)
    assert verified.status == 200 and verified.body["person_id"] == "P-1001"
    wrong_dob = await api.post(
        "/v1/identity/verify", {**ANNA, "date_of_birth": "1985-03-13"}, key=None
    )
    assert wrong_dob.status == 404
    assert (await api.post("/v1/identity/verify", {"national_id": "123"}, key=None)).status == 422

    sent = await api.post("/v1/identity/otp", {"person_id": "P-1001"}, key="otp-1")
    assert sent.status == 201 and sent.body["sent_to_last4"] == "5678"
    assert (await api.post("/v1/identity/otp", {"person_id": "P-1001"}, key="otp-1")).status == 200
    assert (await api.post("/v1/identity/otp", {"person_id": "P-1002"}, key="otp-1")).status == 409
    assert (await api.post("/v1/identity/otp", {"person_id": "P-9999"})).status == 404
    no_phone = await api.post("/v1/identity/otp", {"person_id": "P-1004"})
    assert (no_phone.status, no_phone.body["code"]) == (422, "no_phone")

    check = f"/v1/identity/otp/{sent.body['otp_id']}/check"
    (_, code), = otp_codes(settings)
    wrong = "000000" if code != "000000" else "111111"
    assert (await api.post(check, {"code": wrong}, key=None)).status == 401
    checked = await api.post(check, {"code": code}, key=None)
    assert checked.body == {"person_id": "P-1001", "level": 2}
    assert (await api.post(check, {"code": code}, key=None)).status == 410

    assert (await api.get("/v1/persons/P-1001")).body["first_name"] == "Anna"
    assert (await api.get("/v1/persons/P-9999")).status == 404
    assert (await api.get("/v1/persons/P-1001/cases")).status == 200

    opened = await api.post("/v1/cases", CALLBACK, key="case-1")
    assert opened.status == 201
    assert (await api.post("/v1/cases", CALLBACK, key="case-1")).body == opened.body
    assert (await api.post("/v1/cases", {**CALLBACK, "channel": "web"}, key="case-1")).status == 409
    too_low = {"type": "address_change", "person_id": "P-1001", "verification_level": 1,
               "channel": "web",
               "fields": {"street": "1 Main Street", "postcode": "1010", "city": "Northhaven",
                          "move_date": "2026-03-20"}}
    assert (await api.post("/v1/cases", too_low)).status == 403
    assert (await api.post("/v1/cases", {**CALLBACK, "type": "pension"})).status == 422

    case = "/v1/cases/NSSA-2026-000123"
    assert (await api.get(case, params={"person_id": "P-1001"})).status == 200
    assert (await api.get(case, params={"person_id": "P-1002"})).status == 404

    assert len((await api.get("/v1/offices", auth=False)).body) == 5
    slots = await api.get("/v1/offices/eastmere/slots", params={"date": "2026-03-26"})
    assert slots.status == 200 and len(slots.body) == 21
    nowhere = await api.get("/v1/offices/atlantis/slots", params={"date": "2026-03-26"})
    assert nowhere.status == 404

    booking = {"office_id": "eastmere", "start": slots.body[0]["start"], "person_id": "P-1001",
               "topic": "Pension"}
    assert (await api.post("/v1/appointments", booking, key="apt-1")).status == 201
    assert (await api.post("/v1/appointments", booking, key="apt-1")).status == 200
    assert (await api.post("/v1/appointments", {**booking, "person_id": "P-1002"})).status == 409
    assert (await api.post("/v1/appointments", {**booking, "office_id": "atlantis"})).status == 422

    subscribed = await api.post(
        "/v1/subscriptions", {"url": "http://127.0.0.1:9/hook", "secret": "s" * 16}
    )
    assert subscribed.status == 201

    missing = contract.declared() - contract.seen
    assert not missing, f"declared but never produced: {sorted(missing)}"
