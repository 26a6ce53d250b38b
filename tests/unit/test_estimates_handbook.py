"""Every worked example and formula fact of the handbook, read from the handbook itself.

The per-benefit tests (test_estimates_<benefit>.py) check each step; these
read ../shared/handbook so that a changed figure, or a new worked example
without a calculator, fails here.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Callable, Dict, Set

import pytest

from actions.estimates import child_benefit, disability, housing, pension, survivors
from actions.estimates import wage_benefits as wb
from actions.estimates.money import euros, percent
from bot.content import HANDBOOK_DIR, load_facts

D = Decimal
_AMOUNT = re.compile(r"€[0-9,]+\.[0-9]{2}")
_PERCENT = re.compile(r"[0-9]+(?:\.[0-9]+)?%")


def _worked_example(file: str) -> str:
    text = (HANDBOOK_DIR / file).read_text(encoding="utf-8")
    match = re.search(r"### Worked example\n(.+?)(?=\n## |\Z)", text, re.S)
    assert match, f"{file} has no worked example"
    return match.group(1)


def _pension() -> Set[str]:
    at_67 = pension.estimate_pension(32 * 12, 67 * 12)
    early = pension.estimate_pension(32 * 12, 64 * 12 + 6)
    return {euros(pension.PER_YEAR), euros(at_67.monthly), euros(early.change),
            euros(early.monthly), percent(-early.rate), percent(pension.EARLY_RATE)}


def _child_benefit() -> Set[str]:
    three = child_benefit.estimate_child_benefit(3)
    two = child_benefit.estimate_child_benefit(len(child_benefit.children_by_age([18, 11, 4])
                                                   .under_18))
    return {*(euros(a) for a in three.amounts), euros(three.monthly), euros(two.monthly)}


def _unemployment() -> Set[str]:
    tom = wb.estimate_unemployment(D("3000.00"), 42)
    assert tom.later is not None
    return {euros(tom.wage), *(euros(v) for v in (tom.first.monthly, tom.first.daily,
                                                   tom.first.fortnight, tom.later.monthly,
                                                   tom.later.daily, tom.later.fortnight)),
            euros(D("300.00")), euros(wb.EARNINGS_ALLOWANCE),
            euros(wb.earnings_deduction(D("300.00"))),
            euros(wb.payment_with_earnings(tom.first.fortnight, D("300.00"))),
            percent(wb.UNEMPLOYMENT_FIRST_RATE), percent(wb.UNEMPLOYMENT_LATER_RATE)}


def _sickness() -> Set[str]:
    ali = wb.estimate_sickness(D("2700.00"))
    return {euros(ali.wage), euros(ali.benefit.monthly), euros(ali.benefit.daily),
            euros(ali.benefit.fortnight), percent(wb.SICKNESS_RATE)}


def _parental() -> Set[str]:
    lena = wb.estimate_parental(D("2800.00"))
    return {euros(lena.wage), euros(lena.monthly), euros(lena.half_time),
            percent(wb.PARENTAL_RATE)}


def _housing() -> Set[str]:
    pavel = housing.estimate_housing(1, D("750.00"), D("1600.00"))
    return {euros(pavel.rent), euros(pavel.income), euros(pavel.own_share),
            euros(pavel.monthly), percent(housing.OWN_SHARE_RATE)}


def _survivors() -> Set[str]:
    eva = survivors.estimate_survivors(D("1184.00"), spouse=True, orphans=1)
    return {euros(eva.pension), euros(eva.spouse or 0), euros(eva.orphan or 0),
            euros(eva.total), percent(eva.total_rate), percent(survivors.SPOUSE_RATE),
            percent(survivors.ORPHAN_RATE), percent(survivors.TOTAL_LIMIT)}


def _disability() -> Set[str]:
    ahmed = disability.estimate_disability(2, True)
    return {euros(ahmed.amount), euros(ahmed.care), euros(ahmed.monthly)}


WORKED_EXAMPLES: Dict[str, Callable[[], Set[str]]] = {
    "old-age-pension.md": _pension,
    "child-benefit.md": _child_benefit,
    "unemployment-benefit.md": _unemployment,
    "sickness-benefit.md": _sickness,
    "parental-benefit.md": _parental,
    "housing-allowance.md": _housing,
    "survivors-pension.md": _survivors,
    "disability-benefit.md": _disability,
}


def test_every_worked_example_of_the_handbook_has_a_calculator() -> None:
    with_examples = {p.name for p in HANDBOOK_DIR.glob("*.md")
                     if "### Worked example" in p.read_text(encoding="utf-8")}
    assert with_examples == set(WORKED_EXAMPLES)


@pytest.mark.parametrize("file", sorted(WORKED_EXAMPLES))
def test_every_figure_of_the_worked_example_is_computed(file: str) -> None:
    text = _worked_example(file)
    figures = set(_AMOUNT.findall(text)) | set(_PERCENT.findall(text))
    assert figures, file
    computed = WORKED_EXAMPLES[file]()
    assert figures <= computed, f"{file}: not computed: {sorted(figures - computed)}"


def _pension_fact(months: int, start_years: float) -> Callable[[], str]:
    return lambda: euros(pension.estimate_pension(months, int(start_years * 12)).monthly)


# facts.tsv: each fact that is the result of a formula, and the calculator's result.
FORMULA_FACTS: Dict[str, Callable[[], str]] = {
    "F063": lambda: percent(-pension.estimate_pension(40 * 12, 63 * 12).rate),
    "F064": lambda: euros(pension.pension_at_67(13 * 12) - pension.pension_at_67(12 * 12)),
    "F065": _pension_fact(40 * 12, 67),
    "F067": _pension_fact(5 * 12, 67),
    "F069": lambda: percent(pension.estimate_pension(40 * 12, 75 * 12).rate),
    "F070": _pension_fact(32 * 12, 67),
    "F071": _pension_fact(32 * 12, 64.5),
    "F094": lambda: euros(survivors.estimate_survivors(D("1184.00"), True, 0).spouse or 0),
    "F095": lambda: euros(survivors.estimate_survivors(D("1184.00"), False, 1).orphan or 0),
    "F106": lambda: euros(wb.estimate_unemployment(D("9999"), 40).first.monthly),
    "F107": lambda: euros((wb.estimate_unemployment(D("9999"), 40).later or
                           wb.payments(D(0))).monthly),
    "F108": lambda: euros(wb.estimate_unemployment(D("0"), 40).first.monthly),
    "F113": lambda: euros(wb.estimate_unemployment(D("3000.00"), 42).first.fortnight),
    "F119": lambda: euros(child_benefit.estimate_child_benefit(2).amounts[1]),
    "F120": lambda: euros(child_benefit.estimate_child_benefit(3).amounts[2]),
    "F121": lambda: euros(child_benefit.estimate_child_benefit(3).monthly),
    "F137": lambda: euros(wb.estimate_parental(D("9999")).monthly),
    "F138": lambda: euros(wb.estimate_parental(D("100")).monthly),
    "F139": lambda: euros(wb.estimate_parental(D("3000"), insured_six_months=False).monthly),
    "F140": lambda: euros(wb.estimate_parental(D("2800.00")).monthly),
    "F150": lambda: euros(disability.estimate_disability(1, False).monthly),
    "F151": lambda: euros(disability.estimate_disability(2, False).monthly),
    "F152": lambda: euros(disability.estimate_disability(3, False).monthly),
    "F153": lambda: euros(disability.estimate_disability(1, True).care),
    "F158": lambda: euros(disability.estimate_disability(2, True).monthly),
    "F162": lambda: euros(wb.estimate_sickness(D("9999")).benefit.monthly),
    "F167": lambda: euros(wb.estimate_sickness(D("2700.00")).benefit.fortnight),
    "F172": lambda: euros(housing.income_limit(1)),
    "F173": lambda: euros(housing.income_limit(2)),
    "F174": lambda: euros(housing.income_limit(3) - housing.income_limit(2)),
    "F176": lambda: euros(housing.estimate_housing(3, D("2000"), D("0")).costs),
    "F178": lambda: euros(housing.estimate_housing(2, D("900"), D("0")).monthly),
    "F179": lambda: euros(housing.estimate_housing(3, D("900"), D("0")).monthly),
    "F181": lambda: euros(housing.estimate_housing(1, D("750.00"), D("1600.00")).monthly),
    # The rates and limits the calculators use.
    "F061": lambda: f"{pension.MIN_MONTHS} months",
    "F062": lambda: percent(pension.EARLY_RATE),
    "F066": lambda: f"{pension.FULL_YEARS} years",
    "F087": lambda: percent(survivors.SPOUSE_RATE),
    "F088": lambda: percent(survivors.ORPHAN_RATE),
    "F089": lambda: percent(survivors.FULL_ORPHAN_RATE),
    "F090": lambda: percent(survivors.TOTAL_LIMIT),
    "F103": lambda: percent(wb.UNEMPLOYMENT_FIRST_RATE),
    "F104": lambda: percent(wb.UNEMPLOYMENT_LATER_RATE),
    "F105": lambda: euros(wb.reference_wage(D("9999"))),
    "F109": lambda: euros(wb.EARNINGS_ALLOWANCE),
    "F110": lambda: f"{wb.longest_unemployment_months(29)} months",
    "F111": lambda: f"{wb.longest_unemployment_months(55)} months",
    "F112": lambda: f"{wb.longest_unemployment_months(66)} months",
    "F136": lambda: percent(wb.PARENTAL_RATE),
    "F161": lambda: percent(wb.SICKNESS_RATE),
    "F175": lambda: euros(housing.SAVINGS_LIMIT),
    "F177": lambda: percent(housing.OWN_SHARE_RATE),
    "F180": lambda: euros(housing.MIN_PAID),
}


@pytest.mark.parametrize("fact_id", sorted(FORMULA_FACTS))
def test_formula_fact_is_computed_exactly(fact_id: str) -> None:
    fact = next(f for f in load_facts() if f.id == fact_id)
    assert FORMULA_FACTS[fact_id]() == fact.key, fact.fact
