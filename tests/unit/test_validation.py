"""Field validation: formats and rules of requests-in-chat.md and agency.md."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from actions import validation as v
from actions.validation import ValidationError
from bot.errors import NssaError
from tests.english import english

TODAY = dt.date(2026, 3, 10)  # a Tuesday
D = dt.date


def with_check_digit(first_ten: str) -> str:
    """A national ID number with its check digit, computed here as the handbook says."""
    weighted = zip(first_ten, range(1, 11), strict=True)
    remainder = sum(int(digit) * weight for digit, weight in weighted) % 11
    assert remainder != 10, "no check digit exists for " + first_ten
    return first_ten + str(remainder)


def valid_account_example(digits: str) -> str:
    """An NR account whose check digits are computed here: NR = 23 27, 98 - n mod 97."""
    return f"NR{98 - int(digits + '232700') % 97:02d}{digits}"


# ----------------------------------------------------------------- basics


class TestBasics:
    def test_validation_error_is_a_project_value_error_with_message(self):
        # It names the response the citizen gets (in their language); the
        # message is its English text.
        error = ValidationError("utter_invalid_too_short", minimum="10")
        assert isinstance(error, NssaError) and isinstance(error, ValueError)
        assert error.response == "utter_invalid_too_short"
        assert error.variables == {"minimum": "10"}
        assert error.message == str(error) == (
            "This is too short. Please use at least 10 characters.")

    @pytest.mark.parametrize(
        "raw, cleaned",
        [
            ("８５０３１２", "850312"),  # full-width digits
            ("٨٥٠٣١٢", "850312"),  # Arabic-Indic digits
            ("۸۵۰", "850"),  # Persian digits
            ("12\u00a003\u202f1985", "12 03 1985"),  # no-break spaces
            ("850312\u2013123\u2212", "850312-123-"),  # en dash, minus sign
            ("85\u200b03\ufeff12", "850312"),  # invisible characters
            ("  a \t\n b  ", "a b"),
            (None, ""),
            (85031212345, "85031212345"),
        ],
    )
    def test_clean(self, raw, cleaned):
        assert v.clean(raw) == cleaned

    def test_format_date(self):
        assert v.format_date(D(1985, 3, 2)) == "02.03.1985"

    def test_public_names_exist_and_have_docstrings(self):
        for name in v.__all__:
            value = getattr(v, name)
            if callable(value) and not isinstance(value, type):
                assert value.__doc__ and "\n" not in value.__doc__.strip(), name


# ------------------------------------------------------------ national ID


class TestNationalId:
    def test_handbook_example_check_digit(self):
        assert v.national_id_check_digit("8503121234") == 5  # 137 mod 11

    def test_a_remainder_of_10_has_no_check_digit(self):
        assert v.national_id_check_digit("8503121205") is None
        for last in "0123456789":
            with pytest.raises(ValidationError, match="not a valid national ID number"):
                v.national_id("8503121205" + last)

    def test_born_today_is_age_0(self):
        nid = with_check_digit(TODAY.strftime("%y%m%d") + "0001")
        assert v.birth_date_from_national_id(nid, TODAY) == TODAY

    def test_a_birth_date_in_the_future_in_every_century_is_refused(self):
        nid = with_check_digit("5006150001")
        with pytest.raises(ValidationError, match="not a valid national ID number"):
            v.birth_date_from_national_id(nid, D(1849, 1, 1))

    def test_the_nineteenth_century_when_today_is_long_ago(self):
        nid = with_check_digit("5006150001")
        assert v.birth_date_from_national_id(nid, D(1910, 1, 1)) == D(1850, 6, 15)

    def test_the_age_counts_on_the_day_given(self):
        nid = with_check_digit("0001010001")
        assert v.national_id_matches_birth_date(nid, D(1900, 1, 1), D(1990, 1, 1))
        assert not v.national_id_matches_birth_date(nid, D(1900, 1, 1), D(2026, 1, 1))

    @pytest.mark.parametrize(
        "text",
        [
            "85031212345",
            "850312 12345",
            "850312-12345",
            "8503.1212.345",
            " 85 03 12 12345 ",
            "８５０３１２１２３４５",
            "٨٥٠٣١٢١٢٣٤٥",
            "850312\u00a012345",
            "850312\u201312345",
            85031212345,
        ],
    )
    def test_valid_shapes(self, text):
        assert v.national_id(text) == "85031212345"

    @pytest.mark.parametrize(
        "first_ten", ["0002291234", "9912319999", "2001010000", "1511300042", "0807150001"]
    )
    def test_valid_computed_numbers(self, first_ten):
        assert v.national_id(with_check_digit(first_ten)) == with_check_digit(first_ten)

    @pytest.mark.parametrize(
        "text",
        ["", "   ", None, "8503121234", "850312123456", "85031212a45", "abc", "85031212345x"],
    )
    def test_wrong_shape_says_11_digits(self, text):
        with pytest.raises(ValidationError, match=r"^A national ID number has 11 digits\."):
            v.national_id(text)

    @pytest.mark.parametrize(
        "text",
        [
            "85031212346",  # wrong check digit
            "58031212345",  # first two digits swapped
            "00010100000",  # remainder 10: no check digit is valid
            "00010100001",
            with_check_digit("0602290000"),  # 29 February in no leap year
            with_check_digit("8513121234"),  # month 13
            with_check_digit("8504311234"),  # 31 April
        ],
    )
    def test_invalid_numbers(self, text):
        with pytest.raises(ValidationError, match="not a valid national ID number"):
            v.national_id(text)

    @pytest.mark.parametrize(
        "nid, birth, expected",
        [
            ("85031212345", D(1985, 3, 12), True),
            ("850312 12345", D(1985, 3, 12), True),
            ("85031212345", D(1985, 3, 13), False),
            ("85031212345", D(2085, 3, 12), False),  # in the future
            ("85031212345", D(1885, 3, 12), False),  # older than 120
            (with_check_digit("0002291234"), D(2000, 2, 29), True),
            (with_check_digit("2001010000"), D(2020, 1, 1), True),
            (with_check_digit("2001010000"), D(1920, 1, 1), True),  # aged 106
            (with_check_digit("2001010000"), D(1820, 1, 1), False),
            (with_check_digit("2603090001"), D(2026, 3, 9), True),  # born yesterday
            (with_check_digit("0603100001"), D(1906, 3, 10), True),  # exactly 120
            (with_check_digit("0603110001"), D(1906, 3, 11), True),  # 119
            (with_check_digit("0503090001"), D(1905, 3, 9), False),  # 121
            ("85031212346", D(1985, 3, 12), False),  # invalid number
            ("", D(1985, 3, 12), False),
        ],
    )
    def test_matches_birth_date(self, nid, birth, expected):
        assert v.national_id_matches_birth_date(nid, birth, today=TODAY) is expected

    @pytest.mark.parametrize(
        "first_ten, birth",
        [
            ("8503121234", D(1985, 3, 12)),
            ("2001010000", D(2020, 1, 1)),
            ("2603090001", D(2026, 3, 9)),
            ("2603120001", D(1926, 3, 12)),  # 2026-03-12 is still to come
            ("0002291234", D(2000, 2, 29)),
        ],
    )
    def test_birth_date_from_national_id(self, first_ten, birth):
        assert v.birth_date_from_national_id(with_check_digit(first_ten), TODAY) == birth

    @pytest.mark.parametrize(
        "birth, today, age",
        [
            (D(2008, 3, 10), TODAY, 18),
            (D(2008, 3, 11), TODAY, 17),
            (D(2000, 2, 29), D(2001, 2, 28), 0),
        ],
    )
    def test_age_on(self, birth, today, age):
        assert v.age_on(birth, today) == age


# ---------------------------------------------------------------- dates


class TestDate:
    @pytest.mark.parametrize(
        "text",
        [
            "12.03.1985",
            "12.3.1985",
            "12/03/1985",
            "12-03-1985",
            "12 03 1985",
            "12. 03. 1985",
            "1985-03-12",
            "1985-3-12",
            "12031985",
            "19850312",
            "12 March 1985",
            "12 march 1985",
            "12 mar 1985",
            "12 Mar. 1985",
            "12-Mar-1985",
            "March 12, 1985",
            "Mar 12 1985",
            "12th March 1985",
            "the 12th of March, 1985",
            "Tuesday 12 March 1985",
            "１２.０３.１９８５",
            "12\u00a0March\u00a01985",
            " 12.03.1985. ",
            D(1985, 3, 12),
            dt.datetime(1985, 3, 12, 10, 30),
        ],
    )
    def test_shapes(self, text):
        assert v.date(text, TODAY) == D(1985, 3, 12)

    @pytest.mark.parametrize(
        "text, expected",
        [
            ("today", TODAY),
            ("Today", TODAY),
            ("tomorrow", D(2026, 3, 11)),
            ("Tomorrow!", D(2026, 3, 11)),
            ("yesterday", D(2026, 3, 9)),
            ("the day after tomorrow", D(2026, 3, 12)),
            ("1 Sept 2026", D(2026, 9, 1)),
            ("september 1, 2026", D(2026, 9, 1)),
            ("29.02.2024", D(2024, 2, 29)),
            ("31.12.2099", D(2099, 12, 31)),
            ("Thursday 12 March 2026", D(2026, 3, 12)),
        ],
    )
    def test_words_and_edges(self, text, expected):
        assert v.date(text, TODAY) == expected

    @pytest.mark.parametrize(
        "text, message",
        [
            ("", "DD.MM.YYYY"),
            (None, "DD.MM.YYYY"),
            ("   ", "DD.MM.YYYY"),
            ("hello", "DD.MM.YYYY"),
            ("1985", "DD.MM.YYYY"),
            ("12.03.1985.1", "DD.MM.YYYY"),
            ("March April 1985", "DD.MM.YYYY"),
            ("12 Smarch 1985", "DD.MM.YYYY"),
            ("32.01.2020", "does not exist"),
            ("29.02.2023", "does not exist"),
            ("12.13.1985", "does not exist"),
            ("31 April 2026", "does not exist"),
            ("12.03.85", "4 digits"),
            ("12 March 85", "4 digits"),
            ("12 March", "include the year"),
            ("12.03", "include the year"),
            ("12.03.1885", "check the year"),
            ("12.03.2185", "check the year"),
            ("Friday 12 March 2026", "is a Thursday"),
        ],
    )
    def test_invalid(self, text, message):
        with pytest.raises(ValidationError, match=message):
            v.date(text, TODAY)

    def test_format_message_names_the_format(self):
        with pytest.raises(ValidationError) as error:
            v.date("soon", TODAY)
        assert error.value.message == "Please type the date as DD.MM.YYYY, for example 12.03.1985."

    @pytest.mark.parametrize(
        "start, months, expected",
        [
            (D(2026, 1, 31), 1, D(2026, 2, 28)),
            (D(2024, 1, 31), 1, D(2024, 2, 29)),
            (D(2026, 3, 10), -3, D(2025, 12, 10)),
            (D(2026, 5, 31), -3, D(2026, 2, 28)),
            (D(2026, 12, 15), 1, D(2027, 1, 15)),
            (D(2026, 4, 10), 24, D(2028, 4, 10)),
            (D(2026, 4, 10), 0, D(2026, 4, 10)),
        ],
    )
    def test_add_months(self, start, months, expected):
        assert v.add_months(start, months) == expected


class TestDateRules:
    @pytest.mark.parametrize(
        "text, expected",
        [("10.03.2026", D(2026, 3, 10)), ("today", TODAY), ("01.01.2000", D(2000, 1, 1))],
    )
    def test_not_in_future_accepts(self, text, expected):
        assert v.not_in_future(text, TODAY) == expected

    def test_not_in_future_rejects_tomorrow(self):
        with pytest.raises(ValidationError, match="cannot be in the future"):
            v.not_in_future("tomorrow", TODAY)

    def test_date_within_days(self):
        assert v.date_within("03.03.2026", TODAY, past_days=7) == D(2026, 3, 3)
        with pytest.raises(ValidationError, match="at most 7 days in the past, so 03.03.2026"):
            v.date_within("02.03.2026", TODAY, past_days=7)
        with pytest.raises(ValidationError, match="at most 1 month in the future"):
            v.date_within("11.04.2026", TODAY, future_months=1)

    @pytest.mark.parametrize(
        "text, expected",
        [("10.12.2025", D(2025, 12, 10)), ("01.01.2026", D(2026, 1, 1)), ("today", TODAY),
         ("09.04.2026", D(2026, 4, 9))],
    )
    def test_move_date_accepts(self, text, expected):
        assert v.move_date(text, TODAY) == expected

    @pytest.mark.parametrize(
        "text, message",
        [
            ("09.12.2025", "at most 3 months in the past, so 10.12.2025 or later"),
            ("10.04.2026", "at most 30 days in the future, so 09.04.2026 or earlier"),
            ("12.03.85", "4 digits"),
        ],
    )
    def test_move_date_rejects(self, text, message):
        with pytest.raises(ValidationError, match=message):
            v.move_date(text, TODAY)

    @pytest.mark.parametrize(
        "text, expected",
        [("01.01.2020", D(2020, 1, 1)), ("15.06.2023", D(2023, 6, 15)), ("today", TODAY)],
    )
    def test_lives_with_since_accepts(self, text, expected):
        assert v.lives_with_since(text, D(2020, 1, 1), TODAY) == expected

    @pytest.mark.parametrize(
        "text, message",
        [("31.12.2019", "before the child's birth on 01.01.2020"), ("tomorrow", "future")],
    )
    def test_lives_with_since_rejects(self, text, message):
        with pytest.raises(ValidationError, match=message):
            v.lives_with_since(text, D(2020, 1, 1), TODAY)

    def test_child_date_of_birth(self):
        nid = with_check_digit("1506010001")
        assert v.child_date_of_birth("1 June 2015", nid, TODAY) == D(2015, 6, 1)
        assert v.child_date_of_birth(
            "11.03.2008", with_check_digit("0803110001"), TODAY
        ) == D(2008, 3, 11)

    @pytest.mark.parametrize(
        "text, first_ten, message",
        [
            ("02.06.2015", "1506010001", "does not match"),
            ("01.06.1915", "1506010001", "under 18"),  # same YYMMDD, other century
            ("10.03.2008", "0803100002", "under 18"),  # 18 today
            ("12.03.2026", "2603120001", "future"),
        ],
    )
    def test_child_date_of_birth_rejects(self, text, first_ten, message):
        with pytest.raises(ValidationError, match=message):
            v.child_date_of_birth(text, with_check_digit(first_ten), TODAY)

    @pytest.mark.parametrize(
        "text, soon",
        [
            ("11.03.2026", True),
            ("09.04.2026", True),  # less than 1 month away: accepted with a warning
            ("10.04.2026", False),
            ("01.01.2027", False),
        ],
    )
    def test_coverage_start(self, text, soon):
        start = v.coverage_start_date(text, TODAY)
        assert start == v.CoverageStart(v.date(text), soon)
        assert start.soon is soon

    @pytest.mark.parametrize("text", ["10.03.2026", "today", "01.01.2026"])
    def test_coverage_start_must_be_in_future(self, text):
        with pytest.raises(ValidationError, match="must be in the future"):
            v.coverage_start_date(text, TODAY)

    @pytest.mark.parametrize(
        "text, expected",
        [("11.04.2026", D(2026, 4, 11)), ("31.12.2027", D(2027, 12, 31)),
         ("10.04.2028", D(2028, 4, 10))],
    )
    def test_coverage_end_accepts(self, text, expected):
        assert v.coverage_end_date(text, D(2026, 4, 10), TODAY) == expected

    @pytest.mark.parametrize(
        "text, message",
        [
            ("10.04.2026", "after the first day, 10.04.2026"),
            ("01.04.2026", "after the first day"),
            ("11.04.2028", "at most 24 months, so the last day can be 10.04.2028"),
        ],
    )
    def test_coverage_end_rejects(self, text, message):
        with pytest.raises(ValidationError, match=message):
            v.coverage_end_date(text, D(2026, 4, 10), TODAY)


# ----------------------------------------------------- other identifiers


class TestReferences:
    @pytest.mark.parametrize(
        "text",
        [
            "NSSA-2026-000123",
            "nssa-2026-000123",
            "NSSA 2026 000123",
            "nssa2026000123",
            "Nssa - 2026 - 000123",
            "NSSA\u20132026\u2013000123",
            "ＮＳＳＡ－２０２６－０００１２３",
            "My case is NSSA-2026-000123.",
            "2026-000123",
            "2026 000123",
        ],
    )
    def test_case_reference(self, text):
        assert v.case_reference(text) == "NSSA-2026-000123"

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "NSSA",
            "NSSA-26-000123",
            "NSSA-2026-00123",
            "NSSA-2026-0001234",
            "2026000123",
            "0412345678",
            "HO-12345678",
            "XNSSA-2026-000123",
            "NSSA-2026-000123 and NSSA-2025-000001",
        ],
    )
    def test_case_reference_rejects(self, text):
        with pytest.raises(ValidationError, match="NSSA-2026-000123"):
            v.case_reference(text)

    def test_same_case_reference_twice_is_fine(self):
        assert v.case_reference("NSSA-2026-000123, nssa 2026 000123") == "NSSA-2026-000123"

    @pytest.mark.parametrize(
        "text", ["HO-12345678", "ho-12345678", "HO 12345678", "HO12345678", "number HO-12345678."]
    )
    def test_housing_number(self, text):
        assert v.housing_number(text) == "HO-12345678"

    @pytest.mark.parametrize(
        "text", ["", "12345678", "HO-1234567", "HO-123456789", "PHO-12345678", "NSSA-2026-000123"]
    )
    def test_housing_number_rejects(self, text):
        with pytest.raises(ValidationError, match="HO-12345678"):
            v.housing_number(text)

    @pytest.mark.parametrize("text", ["ER12345678", "er12345678", "ER 12345678", "ER-12345678"])
    def test_employer_registration_number(self, text):
        assert v.employer_registration_number(text) == "ER12345678"

    @pytest.mark.parametrize("text", ["", "12345678", "ER1234567", "ER123456789", "EE12345678"])
    def test_employer_registration_number_rejects(self, text):
        with pytest.raises(ValidationError, match="ER followed by 8 digits"):
            v.employer_registration_number(text)


class TestBankAccount:
    def test_handbook_example_passes_mod97_as_written(self):
        # "NR94 1234 5678 9012 3456": NR, 2 check digits and 16 digits = 20 characters.
        compact = "NR94 1234 5678 9012 3456".replace(" ", "")
        assert len(compact) == 20 and sum(c.isdigit() for c in compact) == 18
        assert int("1234567890123456" + "2327" + "94") % 97 == 1
        assert v.bank_account("NR94 1234 5678 9012 3456") == "NR941234567890123456"
        assert valid_account_example("1234567890123456") == "NR941234567890123456"

    @pytest.mark.parametrize(
        "digits",
        ["0000000000000000", "9999999999999999", "1111222233334444", "0001000200030004",
         "5000000000000001", "1234567890123457"],
    )
    def test_valid_account_example(self, digits):
        account = valid_account_example(digits)
        assert v.bank_account(account) == account
        assert v.account_with_check_digits(digits) == account
        spaced = " ".join(account[i : i + 4] for i in range(0, 20, 4))
        assert v.bank_account(spaced.lower()) == account

    @pytest.mark.parametrize(
        "account",
        [
            "NR040000000000000000",
            "NR069999999999999999",
            "NR891111222233334444",
            "NR390001000200030004",
        ],
    )
    def test_precomputed_accounts(self, account):
        assert v.account_is_valid(account)
        assert v.bank_account(account) == account

    @pytest.mark.parametrize(
        "text",
        [
            "nr94 1234 5678 9012 3456",
            "NR94-1234-5678-9012-3456",
            "NR94.1234.5678.9012.3456",
            "  NR 94 1234 5678 9012 3456 ",
            "ＮＲ９４ １２３４ ５６７８ ９０１２ ３４５６",
            "NR94\u00a01234\u00a05678\u00a09012\u00a03456",
            "IBAN: NR94 1234 5678 9012 3456",
            "94 1234 5678 9012 3456",  # NR left out
        ],
    )
    def test_shapes(self, text):
        assert v.bank_account(text) == "NR941234567890123456"

    @pytest.mark.parametrize(
        "text",
        [
            "DE89 3704 0044 0532 0130 00",
            "GB29 NWBK 6016 1331 9268 19",
            "fr7630006000011234567890189",
        ],
    )
    def test_foreign_accounts(self, text):
        with pytest.raises(ValidationError) as error:
            v.bank_account(text)
        assert error.value.message == (
            "Only Northland accounts (starting with NR) can be used in the chat."
        )

    @pytest.mark.parametrize(
        "text",
        ["", "NR94 1234 5678 9012 345", "NR94 1234 5678 9012 34567", "1234 5678 9012 3456",
         "NR94 1234 5678 9012 345X", "account"],
    )
    def test_wrong_shape(self, text):
        with pytest.raises(ValidationError, match="20 characters: NR and 18 digits"):
            v.bank_account(text)

    @pytest.mark.parametrize(
        "text", ["NR95 1234 5678 9012 3456", "NR94 1234 5678 9012 3465", "NR94 1234 5678 9012 3457"]
    )
    def test_check_digits(self, text):
        with pytest.raises(ValidationError, match="not valid"):
            v.bank_account(text)

    def test_account_with_check_digits_needs_16_digits(self):
        with pytest.raises(ValueError):
            v.account_with_check_digits("123")


class TestPhoneAndPostcode:
    @pytest.mark.parametrize(
        "text",
        [
            "0412345678",
            "0412 345 678",
            "0412-345-678",
            "(0412) 345 678",
            "0412.345.678",
            "+999 412 345 678",
            "+999412345678",
            "00999 412 345 678",
            "+999 (0)412 345 678",
            "+999 0412 345 678",
            "０４１２ ３４５ ６７８",
            "\u202a+999\u00a0412\u00a0345\u00a0678\u202c",  # copied from right-to-left text
            "\u200f0412 345 678\u200e",
        ],
    )
    def test_phone(self, text):
        assert v.phone(text) == "0412345678"

    @pytest.mark.parametrize("text", [
        "my number is 0412 345 678", "it's 0412345678 thanks", "mój numer to 0412 345 678",
        "мій номер 0412 345 678", "رقمي 0412 345 678", "call me on +999 412 345 678 pls"])
    def test_phone_among_words(self, text):
        """"my number is 0412 345 678": the one phone number in the message."""
        assert v.phone(text) == "0412345678"

    @pytest.mark.parametrize("text", ["0412 345 678 or 0412 345 679", "0412 345 678 after 5"])
    def test_phone_among_other_numbers_is_not_guessed(self, text):
        with pytest.raises(ValidationError):
            v.phone(text)

    @pytest.mark.parametrize(
        "text",
        ["", "412 345 678", "04123456789", "041234567", "1412345678", "phone", "0412 345 67a"],
    )
    def test_phone_rejects_shape(self, text):
        with pytest.raises(ValidationError, match="10 digits and starts with 0"):
            v.phone(text)

    @pytest.mark.parametrize("text", ["+44 20 7946 0958", "0044 20 7946 0958", "+1 555 123 4567"])
    def test_phone_rejects_other_countries(self, text):
        with pytest.raises(ValidationError, match="Only Northland phone numbers"):
            v.phone(text)

    @pytest.mark.parametrize("text", ["3100", " 3100 ", "31 00", "３１００", "٣١٠٠"])
    def test_postcode(self, text):
        assert v.postcode(text) == "3100"

    @pytest.mark.parametrize("text", ["", "310", "31000", "abcd", "3100a", "-3100"])
    def test_postcode_rejects(self, text):
        with pytest.raises(ValidationError, match="4 digits"):
            v.postcode(text)


# ------------------------------------------------- amounts and numbers


class TestAmount:
    @pytest.mark.parametrize(
        "text, expected",
        [
            ("750", "750.00"),
            ("750.00", "750.00"),
            ("€750", "750.00"),
            ("€ 750", "750.00"),
            ("750 €", "750.00"),
            ("750 EUR", "750.00"),
            ("EUR750", "750.00"),
            ("750 euros", "750.00"),
            ("750 euro per month", "750.00"),
            ("750,50", "750.50"),
            ("750.5", "750.50"),
            ("0,5", "0.50"),
            ("1,234.50", "1234.50"),
            ("1.234,50", "1234.50"),
            ("1 234,50", "1234.50"),
            ("1\u00a0234", "1234.00"),
            ("1'234.50", "1234.50"),
            ("1,234", "1234.00"),
            ("12,345,678.90", "12345678.90"),
            ("€1.234.567,89", "1234567.89"),
            ("999999999999.99", "999999999999.99"),
            ("0", "0.00"),
            ("0.00", "0.00"),
            ("none", "0.00"),
            ("Nothing", "0.00"),
            ("７５０", "750.00"),
            ("750.", "750.00"),
            ("750,-", "750.00"),
            ("€ 1.250,-", "1250.00"),
        ],
    )
    def test_amount(self, text, expected):
        assert v.amount(text) == Decimal(expected)

    @pytest.mark.parametrize(
        "text",
        ["", "abc", "€", "1,23,456", "12.34.56", "750.5.5", "750 or 800", "1e5", "NaN",
         "Infinity", "1" * 13, "9" * 5000],
    )
    def test_amount_rejects(self, text):
        with pytest.raises(ValidationError, match="in euros, for example 750 or 750.50"):
            v.amount(text)

    @pytest.mark.parametrize("text", ["-50", "\u221250", "- 50", "minus 50"])
    def test_amount_rejects_negative(self, text):
        with pytest.raises(ValidationError, match="cannot be less than 0"):
            v.amount(text)

    def test_amount_maximum(self):
        assert v.amount("5000", maximum=Decimal("5000")) == Decimal("5000.00")
        with pytest.raises(ValidationError, match="at most 5,000.00 euros"):
            v.amount("5000.01", maximum=Decimal("5000"))

    @pytest.mark.parametrize(
        "value, cents", [("750.50", 75050), ("0", 0), ("1234.5", 123450), ("0.01", 1)]
    )
    def test_to_cents(self, value, cents):
        assert v.to_cents(Decimal(value)) == cents
        assert isinstance(v.to_cents(Decimal(value)), int)


class TestWholeNumber:
    @pytest.mark.parametrize(
        "text, expected",
        [("1", 1), ("20", 20), (" 4 ", 4), ("3 people", 3), ("5 of us", 5), ("three", 3),
         ("Twenty", 20), ("４", 4), ("٣", 3), ("07", 7), ("2.", 2)],
    )
    def test_household_size(self, text, expected):
        assert v.household_size(text) == expected

    @pytest.mark.parametrize(
        "text", ["", "0", "21", "2.5", "-1", "a few", "3 or 4", "1e1", "zero", "twenty one"]
    )
    def test_household_size_rejects(self, text):
        with pytest.raises(ValidationError, match="a whole number from 1 to 20"):
            v.household_size(text)

    def test_whole_number_bounds(self):
        assert v.whole_number("0", 0, 5) == 0
        with pytest.raises(ValidationError, match="^Please type a whole number from 2 to 5.$"):
            v.whole_number("6", 2, 5)
        # Another answer is another response (data/core/errors.yml).
        with pytest.raises(ValidationError, match="^Please type how many people live"):
            v.whole_number("x", 2, 5, response="utter_invalid_household_size")


# ------------------------------------------------------------ free text


class TestText:
    @pytest.mark.parametrize(
        "text, expected",
        [
            ("  Anna  ", "Anna"),
            ("\u00a0Anna\u200b", "Anna"),
            ("\u3000Anna\t", "Anna"),
            ("Anna   Maria", "Anna Maria"),
            ("Main Street\n12", "Main Street 12"),
            ("An\x00na", "Anna"),
            ("\u200fAnna\u200e", "Anna"),  # direction marks
            ("\ufeffAnna\r\n", "Anna"),
        ],
    )
    def test_trims(self, text, expected):
        assert v.text_length(text, 1, 50) == expected

    @pytest.mark.parametrize("text", ["", "   ", "\u00a0\u3000", "\u200b", "\n\t", None])
    def test_empty(self, text):
        with pytest.raises(ValidationError, match="^Please type the child's first name.$"):
            v.text_field("child_first_name", text)

    def test_counts_characters_not_bytes(self):
        assert v.text_length("Zoe\u0308", 1, 3) == "Zoë"  # combining diaeresis: 3 characters
        assert v.text_length("你" * 50, 1, 50) == "你" * 50  # 150 bytes in UTF-8
        assert v.text_length("😀" * 50, 1, 50) == "😀" * 50
        with pytest.raises(ValidationError, match="too long: 51 characters"):
            v.text_length("你" * 51, 1, 50)

    def test_complaint_keeps_lines_and_limits(self):
        text = " First line.\n\nSecond. "
        assert v.text_field("complaint_text", text) == "First line.\n\nSecond."
        assert v.text_field("complaint_text", "x" * 10) == "x" * 10
        assert v.text_field("complaint_text", "x" * 2000) == "x" * 2000
        with pytest.raises(ValidationError, match="at least 10 characters"):
            v.text_field("complaint_text", "  too short ")
        with pytest.raises(ValidationError, match="too long: 2,001 characters. Please use at most"):
            v.text_field("complaint_text", "x" * 2001)

    @pytest.mark.parametrize("field", sorted(v.TEXT_LIMITS))
    def test_every_field_limit(self, field):
        limit = v.TEXT_LIMITS[field]
        assert v.text_field(field, "x" * limit.maximum) == "x" * limit.maximum
        assert v.text_field(field, "x" * limit.minimum) == "x" * limit.minimum
        with pytest.raises(ValidationError):
            v.text_field(field, "x" * (limit.maximum + 1))

    @pytest.mark.parametrize(
        "field, maximum",
        [("child_first_name", 50), ("child_last_name", 50), ("street", 100), ("city", 50),
         ("employer_name", 100), ("work_address_abroad", 200), ("full_name", 100),
         ("name", 100), ("topic", 200), ("complaint_text", 2000)],
    )
    def test_handbook_limits(self, field, maximum):
        assert v.TEXT_LIMITS[field].maximum == maximum

    def test_unknown_field(self):
        with pytest.raises(KeyError):
            v.text_field("favourite_colour", "blue")


# -------------------------------------------------------------- choices


class TestYesNo:
    @pytest.mark.parametrize(
        "text",
        ["1", "yes", "Yes", "YES!", "y", "yeah", "yep", "ok", "okay", "correct", "yes please",
         "1 Yes, send it", "Yes, send it", "that's right", "no problem", "👍", "👍🏽", "✅",
         "Yes\u00a0please", "１", "option 1", "tak", "так", "نعم", "sure thing"],
    )
    def test_yes(self, text):
        assert v.yes_no(text) is True

    @pytest.mark.parametrize(
        "text",
        ["2", "no", "No.", "n", "nope", "nah", "No thanks", "2 No, change something",
         "not correct", "that's wrong", "👎", "２", "nie", "ні"],
    )
    def test_no(self, text):
        assert v.yes_no(text) is False

    @pytest.mark.parametrize(
        "text",
        ["", "   ", "maybe", "3", "0", "yes no", "yes and no", "not sure", "I don't know",
         "y n", "yesterday", "nothing", "yse", "?"],
    )
    def test_unclear(self, text):
        with pytest.raises(ValidationError, match="^Please answer 1 for yes or 2 for no.$"):
            v.yes_no(text)


class TestChoices:
    @pytest.mark.parametrize(
        "parser, text, expected",
        [
            (v.relationship, "1", "parent"),
            (v.relationship, "parent", "parent"),
            (v.relationship, "Mother", "parent"),
            (v.relationship, "I'm the father", "parent"),
            (v.relationship, "2", "step_parent"),
            (v.relationship, "Step-parent", "step_parent"),
            (v.relationship, "step_parent", "step_parent"),
            (v.relationship, "I am her stepmother", "step_parent"),
            (v.relationship, "step mother", "step_parent"),
            (v.relationship, "3", "foster_parent"),
            (v.relationship, "foster", "foster_parent"),
            (v.relationship, "Foster mother", "foster_parent"),
            (v.relationship, "foster_parent", "foster_parent"),
            (v.relationship, "4", "guardian"),
            (v.relationship, "Legal guardian", "guardian"),
            (v.relationship, "gaurdian", "guardian"),
            (v.work_status, "1", "employee"),
            (v.work_status, "employee", "employee"),
            (v.work_status, "Employed", "employee"),
            (v.work_status, "2", "self_employed"),
            (v.work_status, "self-employed", "self_employed"),
            (v.work_status, "I'm self employed", "self_employed"),
            (v.work_status, "self_employed", "self_employed"),
            (v.work_status, "freelancer", "self_employed"),
            (v.delivery, "1", "online"),
            (v.delivery, "online", "online"),
            (v.delivery, "My NSSA", "online"),
            (v.delivery, "mynssa", "online"),
            (v.delivery, "2", "post"),
            (v.delivery, "by post please", "post"),
            (v.delivery, "letter", "post"),
            (v.language, "1", "northlandic"),
            (v.language, "Northlandic", "northlandic"),
            (v.language, "2", "english"),
            (v.language, "English please", "english"),
            (v.language, "en", "english"),
            (v.language, "englsh", "english"),
            (v.complaint_topic, "1", "service"),
            (v.complaint_topic, "customer service", "service"),
            (v.complaint_topic, "staff", "staff"),
            (v.complaint_topic, "rude staff member", "staff"),
            (v.complaint_topic, "waiting time", "waiting_time"),
            (v.complaint_topic, "waiting_time", "waiting_time"),
            (v.complaint_topic, "the wait was too long", "waiting_time"),
            (v.complaint_topic, "4", "decision"),
            (v.complaint_topic, "online services", "online_services"),
            (v.complaint_topic, "online_services", "online_services"),
            (v.complaint_topic, "the website", "online_services"),
            (v.complaint_topic, "6", "other"),
            (v.complaint_topic, "something else", "other"),
            (v.time_window, "1", "morning"),
            (v.time_window, "Morning", "morning"),
            (v.time_window, "in the morning please", "morning"),
            (v.time_window, "AM", "morning"),
            (v.time_window, "9-12", "morning"),
            (v.time_window, "09:00-12:00", "morning"),
            (v.time_window, "2", "afternoon"),
            (v.time_window, "pm", "afternoon"),
            (v.time_window, "13:00\u201317:00", "afternoon"),
            (v.time_window, "I am free in the afternoon", "afternoon"),
            (v.time_window, "afternon", "afternoon"),
        ],
    )
    def test_accepts(self, parser, text, expected):
        assert parser(text) == expected

    @pytest.mark.parametrize(
        "parser, text",
        [
            (v.relationship, ""),
            (v.relationship, "5"),
            (v.relationship, "grandmother"),
            (v.relationship, "not the parent"),
            (v.relationship, "parent or guardian"),
            (v.work_status, "unemployed"),
            (v.work_status, "3"),
            (v.work_status, "employee and self-employed"),
            (v.delivery, "email"),
            (v.delivery, "fax"),
            (v.delivery, "not online"),
            (v.language, "Arabic"),
            (v.language, "Polish"),
            (v.language, "0"),
            (v.complaint_topic, "7"),
            (v.complaint_topic, "staff and decision"),
            (v.complaint_topic, "banana"),
            (v.time_window, "evening"),
            (v.time_window, "3"),
            (v.time_window, "morning or afternoon"),
        ],
    )
    def test_rejects(self, parser, text):
        with pytest.raises(ValidationError, match="^Please choose: 1 "):
            parser(text)

    @pytest.mark.parametrize(
        "text, expected",
        [("all", "all"), ("All years", "all"), ("every year", "all"), ("2019", "2019"),
         ("the year 2019", "2019"), ("only 1970", "1970"), ("2025", "2025"), ("２０１９", "2019")],
    )
    def test_period(self, text, expected):
        assert v.period(text) == expected

    @pytest.mark.parametrize(
        "text", ["1969", "2026", "19", "1", "", "2019 and 2020", "all 2019", "last year", "20190"]
    )
    def test_period_rejects(self, text):
        with pytest.raises(ValidationError, match="all years, or one year from 1970 to 2025"):
            v.period(text)


class TestOffice:
    @pytest.mark.parametrize(
        "text, expected",
        [
            ("1", "northhaven"),
            ("Northhaven Central", "northhaven"),
            ("northhaven", "northhaven"),
            ("Northhaven Central Office", "northhaven"),
            ("the central office", "northhaven"),
            ("North Haven", "northhaven"),
            ("nothaven", "northhaven"),
            ("north", "northhaven"),
            ("2", "eastmere"),
            ("Eastmere", "eastmere"),
            ("east", "eastmere"),
            ("I'd like Eastmere please", "eastmere"),
            ("3", "westfjord"),
            ("west fjord", "westfjord"),
            ("Westfjörd", "westfjord"),
            ("4", "southvale"),
            ("South vale office", "southvale"),
            ("5", "highmoor"),
            ("HIGHMOOR", "highmoor"),
            ("hihgmoor", "highmoor"),
            ("ＨＩＧＨＭＯＯＲ", "highmoor"),
        ],
    )
    def test_office(self, text, expected):
        assert v.office(text) == expected
        assert expected in v.OFFICES

    @pytest.mark.parametrize(
        "text", ["", "0", "6", "Oslo", "office", "Eastmere or Westfjord", "no"]
    )
    def test_office_rejects(self, text):
        with pytest.raises(ValidationError, match="1 Northhaven Central, 2 Eastmere"):
            v.office(text)


# ------------------------------------------------ working days, offices


class TestWorkingDays:
    @pytest.mark.parametrize(
        "day, weekday",
        [
            (D(2026, 1, 1), "Thursday"),
            (D(2026, 4, 3), "Friday"),
            (D(2026, 4, 6), "Monday"),
            (D(2026, 5, 1), "Friday"),
            (D(2026, 5, 14), "Thursday"),
            (D(2026, 9, 22), "Tuesday"),
            (D(2026, 12, 24), "Thursday"),
            (D(2026, 12, 25), "Friday"),
        ],
    )
    def test_holidays_as_in_the_handbook(self, day, weekday):
        assert v.is_public_holiday(day)
        assert day.strftime("%A") == weekday
        assert not v.is_working_day(day)

    def test_eight_holidays(self):
        assert len(v.PUBLIC_HOLIDAYS) == 8

    @pytest.mark.parametrize(
        "day, working",
        [
            (D(2026, 1, 2), True),
            (D(2026, 1, 3), False),
            (D(2026, 1, 4), False),
            (D(2026, 4, 7), True),
            (D(2026, 12, 28), True),
            (TODAY, True),
        ],
    )
    def test_is_working_day(self, day, working):
        assert v.is_working_day(day) is working

    @pytest.mark.parametrize(
        "day, expected",
        [
            (D(2026, 4, 2), D(2026, 4, 7)),  # Good Friday, weekend, Easter Monday
            (D(2025, 12, 31), D(2026, 1, 2)),
            (D(2026, 1, 2), D(2026, 1, 5)),
            (D(2026, 12, 23), D(2026, 12, 28)),
            (D(2026, 3, 14), D(2026, 3, 16)),
            (TODAY, D(2026, 3, 11)),
        ],
    )
    def test_next_working_day(self, day, expected):
        assert v.next_working_day(day) == expected

    @pytest.mark.parametrize(
        "day, count, expected",
        [
            (D(2026, 4, 2), 1, D(2026, 4, 7)),
            (D(2026, 4, 2), 2, D(2026, 4, 8)),
            (D(2026, 5, 11), 5, D(2026, 5, 19)),  # over Ascension Day
            (TODAY, 0, TODAY),
            (D(2026, 4, 7), -1, D(2026, 4, 2)),
            (D(2026, 3, 16), -1, D(2026, 3, 13)),
        ],
    )
    def test_add_working_days(self, day, count, expected):
        assert v.add_working_days(day, count) == expected

    def test_working_days_between(self):
        assert v.working_days_between(D(2026, 4, 2), D(2026, 4, 8)) == 2
        assert v.working_days_between(TODAY, TODAY) == 0
        assert v.working_days_between(D(2026, 3, 9), D(2026, 3, 13)) == 4

    @pytest.mark.parametrize(
        "office_id, day, open_",
        [
            ("northhaven", D(2026, 3, 13), True),
            ("highmoor", D(2026, 3, 13), False),  # Friday
            ("highmoor", D(2026, 3, 12), True),
            ("eastmere", D(2026, 3, 14), False),  # Saturday
            ("westfjord", D(2026, 4, 6), False),  # Easter Monday
            ("southvale", TODAY, True),
        ],
    )
    def test_office_open_on(self, office_id, day, open_):
        assert v.office_open_on(office_id, day) is open_

    def test_unknown_office(self):
        with pytest.raises(ValidationError, match="Highmoor Office"):
            v.office_open_on("oslo", TODAY)

    def test_offices(self):
        assert list(v.OFFICES) == ["northhaven", "eastmere", "westfjord", "southvale", "highmoor"]
        assert v.OFFICES["westfjord"].address == "27 Quay Road, 3100 Westfjord"


class TestAppointments:
    @pytest.mark.parametrize(
        "text, office_id, expected",
        [
            ("11.03.2026", "northhaven", D(2026, 3, 11)),
            ("tomorrow", "eastmere", D(2026, 3, 11)),
            ("09.04.2026", "northhaven", D(2026, 4, 9)),  # 30 days ahead
            ("13.03.2026", "westfjord", D(2026, 3, 13)),
            ("12 March 2026", "highmoor", D(2026, 3, 12)),
            (D(2026, 3, 16), "southvale", D(2026, 3, 16)),
        ],
    )
    def test_accepts(self, text, office_id, expected):
        assert v.appointment_date(text, office_id, TODAY) == expected

    @pytest.mark.parametrize(
        "text, office_id, message",
        [
            ("today", "northhaven", "from 11.03.2026 to 09.04.2026"),
            ("09.03.2026", "northhaven", "from 11.03.2026"),
            ("10.04.2026", "northhaven", "to 09.04.2026"),
            ("14.03.2026", "eastmere", "closed on Saturdays and Sundays"),
            ("15.03.2026", "eastmere", "closed on Saturdays and Sundays"),
            ("13.03.2026", "highmoor", "no appointments on Fridays.*from Monday to Thursday"),
            ("03.04.2026", "westfjord", r"public holiday \(Good Friday\)"),
            ("32.03.2026", "westfjord", "does not exist"),
        ],
    )
    def test_rejects(self, text, office_id, message):
        with pytest.raises(ValidationError, match=message):
            v.appointment_date(text, office_id, TODAY)

    def test_first_day_after_a_holiday_weekend(self):
        thursday = D(2026, 4, 2)
        assert v.bookable_dates("northhaven", thursday)[0] == D(2026, 4, 7)
        with pytest.raises(ValidationError, match="from 07.04.2026"):
            v.appointment_date("06.04.2026", "northhaven", thursday)

    def test_bookable_dates(self):
        days = v.bookable_dates("highmoor", TODAY)
        assert days[0] == D(2026, 3, 11) and days[-1] == D(2026, 4, 9)
        assert all(day.weekday() < 4 for day in days)
        assert D(2026, 4, 6) not in days
        assert set(days) < set(v.bookable_dates("northhaven", TODAY))
        assert D(2026, 4, 3) not in v.bookable_dates("northhaven", TODAY)

    @pytest.mark.parametrize(
        "text, expected",
        [
            ("9", "09:00"),
            ("9:20", "09:20"),
            ("09.20", "09:20"),
            ("9.20 am", "09:20"),
            ("9.20 a.m.", "09:20"),
            ("2:40 pm", "14:40"),
            ("2:40pm", "14:40"),
            ("14:40", "14:40"),
            ("3:40", "15:40"),
            ("15:40", "15:40"),
            ("at 10:00", "10:00"),
            ("10h20", "10:20"),
            ("noon", "12:00"),
            ("１０：２０", "10:20"),
        ],
    )
    def test_appointment_time(self, text, expected):
        assert v.appointment_time(text) == expected

    @pytest.mark.parametrize(
        "text", ["", "9:10", "16:00", "8:40", "15:41", "lunch", "12 am", "25:00", "9:20 pm"]
    )
    def test_appointment_time_rejects(self, text):
        with pytest.raises(ValidationError, match="every 20 minutes from 09:00 to 15:40"):
            v.appointment_time(text)

    def test_slot_times(self):
        assert len(v.SLOT_TIMES) == 21
        assert (v.SLOT_TIMES[0], v.SLOT_TIMES[-1]) == ("09:00", "15:40")


# --------------------------------------------------------------- masking


class TestMasking:
    @pytest.mark.parametrize(
        "value, last",
        [("85031212345", "2345"), ("NR94 1234 5678 9012 3456", "3456"), ("0412 345 678", "5678"),
         ("１２３４５", "2345"), ("", "")],
    )
    def test_last4(self, value, last):
        assert v.last4(value) == last

    def test_ending(self):
        assert english(v.ending("NR94 1234 5678 9012 3456")) == "ending 3456"

    @pytest.mark.parametrize(
        "value, masked",
        [("85031212345", "*******2345"), ("NR941234567890123456", "****************3456"),
         ("0412 345 678", "******5678"), ("123", "***"), ("1234", "****"), ("12345", "*2345"),
         ("nr94 1234 5678 9012 3456", "****************3456")],
    )
    def test_mask(self, value, masked):
        assert v.mask(value) == masked

    @pytest.mark.parametrize(
        "text, masked",
        [
            ("My ID is 85031212345", "My ID is *******2345"),
            ("id 850312 12345 please", "id *******2345 please"),
            ("850312-12345.", "*******2345."),
            ("NR94 1234 5678 9012 3456", "NR**************3456"),
            ("to nr941234567890123456!", "to nr**************3456!"),
            ("call +999 412 345 678", "call +999*****5678"),
            ("call 00999 412 345 678", "call +999*****5678"),
            ("call 0412 345 678 today", "call ******5678 today"),
            ("card 1234 5678 9012 3456", "card ************3456"),
            ("８５０３１２１２３４５", "*******2345"),
            ("ID ٨٥٠٣١٢١٢٣٤٥.", "ID *******2345."),
            ("＋９９９ ４１２ ３４５ ６７８", "+999*****5678"),
            ("٠٤١٢٣٤٥٦٧٨", "******5678"),
            ("appel au 0412\u00a0345\u00a0678", "appel au ******5678"),
            ("١٢.٠٣.١٩٨٥", "١٢.٠٣.١٩٨٥"),  # a date in Arabic-Indic digits stays
            ("born 12.03.1985, ID 85031212345", "born 12.03.1985, ID *******2345"),
            ("12.03.1985 85031212345", "12.03.1985 *******2345"),
            ("NSSA-2026-000123 0412345678", "NSSA-2026-000123 ******5678"),
            ("", ""),
        ],
    )
    def test_mask_personal_numbers(self, text, masked):
        assert v.mask_personal_numbers(text) == masked

    @pytest.mark.parametrize(
        "text",
        [
            "Case NSSA-2026-000123 and nssa 2026 000124",
            "Housing HO-12345678, employer ER12345678",
            "born 12.03.1985 or 1985-03-12",
            "rent 750 euros, 3 people, postcode 3100, 1,234.50",
            "years 2019 2020 2021",
            "slot 09:20 on 12/03/2026",
            "call 0800 600 100 or +999 20 600 100",  # the agency's own lines
            "text 0800 600 200, Housing Office 0800 700 300",
        ],
    )
    def test_mask_keeps_other_numbers(self, text):
        assert v.mask_personal_numbers(text) == text

    def test_mask_hides_everything_it_should_in_one_text(self):
        text = (
            "Hi, I'm 850312 12345, my new account is NR94 1234 5678 9012 3456 and "
            "you can call me on (0412) 345-678 or +999 412 345 679, case NSSA-2026-000123."
        )
        masked = v.mask_personal_numbers(text)
        digits = re.sub(r"[^0-9]", " ", masked).split()
        assert all(len(run) <= 4 for run in digits if run not in ("2026", "000123")), masked
        assert "NSSA-2026-000123" in masked
        for last in ("2345", "3456", "5678", "5679"):
            assert last in masked

    @pytest.mark.parametrize(
        "first_ten", ["8503121234", "0002291234", "9912319999", "2001010000"]
    )
    def test_every_valid_id_is_masked(self, first_ten):
        nid = with_check_digit(first_ten)
        for shape in (nid, f"{nid[:6]} {nid[6:]}", f"{nid[:6]}-{nid[6:]}"):
            assert v.mask_personal_numbers(f"x {shape} y") == f"x *******{nid[-4:]} y"


# ------------------------------------------- anything typed: no crashes

TEXT_PARSERS = [
    v.national_id, v.date, v.case_reference, v.housing_number, v.employer_registration_number,
    v.bank_account, v.phone, v.postcode, v.amount, v.household_size, v.yes_no, v.relationship,
    v.work_status, v.delivery, v.language, v.period, v.complaint_topic, v.time_window, v.office,
    v.appointment_time, v.move_date,
    lambda text: v.text_field("complaint_text", text),
    lambda text: v.appointment_date(text, "highmoor", TODAY),
    lambda text: v.coverage_start_date(text, TODAY),
]
ODD_INPUTS = [
    "", " ", None, "\x00", "\u200b", "\u00a0", "🙂", "👍👎", "9" * 5000, "1" * 50, "-" * 10,
    "NR" + "9" * 5000, "NSSA-" + "1" * 300, "€" * 3, "., ;:!?", "ﷺ", "Ω≈ç√∫", "\n\n\n",
    "1\u20442", "٠", "𝟏𝟐.𝟎𝟑.𝟏𝟗𝟖𝟓", "<script>alert(1)</script>", "' OR 1=1 --",
]


@pytest.mark.parametrize("parser", TEXT_PARSERS)
@pytest.mark.parametrize("text", ODD_INPUTS, ids=range(len(ODD_INPUTS)))
def test_odd_input_is_answered_not_crashed(parser, text):
    try:
        parser(text)
    except ValidationError as error:
        assert error.message and error.message[0].isupper() and error.message.endswith(".")


@pytest.mark.parametrize("text", ODD_INPUTS, ids=range(len(ODD_INPUTS)))
def test_odd_input_masks_without_crashing(text):
    if text is not None:
        assert isinstance(v.mask_personal_numbers(text), str)


@pytest.mark.parametrize("text", ["2 września 1988", "2 wrzesnia 1988", "2 вересня 1988",
                                  "2 أيلول 1988", "2 سبتمبر 1988"])
def test_a_date_with_another_languages_month_name(text: str) -> None:
    """Month names of `choices: month:` in translations/<code>/texts.yml."""
    from actions.validation.dates import date as read_date

    assert read_date(text) == dt.date(1988, 9, 2)
