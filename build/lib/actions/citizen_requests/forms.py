"""The request forms: questions and checks of requests-in-chat.md.

Each form is a `RequestForm` naming its fields; the texts of the questions
are the `utter_ask_<slot>` responses in domain.yml. The forms live by
service area:

    contact_forms.py      10 call back, 9 complaint
    record_forms.py       4 contribution statement, 8 case status,
                          2 change of address, 3 new bank account
    application_forms.py  6 housing allowance, 5 certificate of coverage,
                          1 child benefit
    appointments.py       7 office appointment

`FORMS` maps each form's name to its validation class.
"""

from __future__ import annotations

from typing import Dict, Type

from actions.citizen_requests.application_forms import (
    ValidateChildBenefitForm,
    ValidateCoverageForm,
    ValidateHousingForm,
)
from actions.citizen_requests.appointments import ValidateAppointmentForm
from actions.citizen_requests.base import RequestForm
from actions.citizen_requests.contact_forms import ValidateCallbackForm, ValidateComplaintForm
from actions.citizen_requests.record_forms import (
    ValidateAddressForm,
    ValidateBankForm,
    ValidateCaseStatusForm,
    ValidateStatementForm,
    parse_case_query,
)

__all__ = [
    "ValidateCallbackForm",
    "ValidateComplaintForm",
    "ValidateStatementForm",
    "ValidateCaseStatusForm",
    "ValidateAddressForm",
    "ValidateBankForm",
    "ValidateHousingForm",
    "ValidateCoverageForm",
    "ValidateChildBenefitForm",
    "ValidateAppointmentForm",
    "FORMS",
    "parse_case_query",
]

FORMS: Dict[str, Type[RequestForm]] = {
    "appointment_form": ValidateAppointmentForm,
    "child_benefit_form": ValidateChildBenefitForm,
    "housing_form": ValidateHousingForm,
    "coverage_form": ValidateCoverageForm,
    "address_form": ValidateAddressForm,
    "bank_form": ValidateBankForm,
    "callback_form": ValidateCallbackForm,
    "complaint_form": ValidateComplaintForm,
    "statement_form": ValidateStatementForm,
    "case_status_form": ValidateCaseStatusForm,
}
