"""Personal estimates: the handbook's formulas as pure functions.

No I/O and no Rasa here: money is `Decimal`, rounded to the cent half up
where the handbook shows an amount (`money.cents`). Each function's
docstring names the handbook rule it follows. The dialogue that asks for
the figures and says the result is `actions/estimate_forms/`.

    money           cents, percentages and how amounts are written (€1,041.92)
    pension         old-age pension: contribution years, start age (63 to 70)
    survivors       spouse's and orphan's pension, the 100% limit
    disability      degree and care supplement
    child_benefit   number of children, the "1st child" rule
    wage_benefits   unemployment, sickness and parental benefit from the wage
    housing         housing allowance (Housing Office): limits by household
    numbers         number words, halves, thousands ("twenty eight", "65 and a half")
    parsing         the figures in a citizen's words ("28 yrs", "at 65", "3 kids");
                    amounts in amount_parsing ("€2,400 a month", "rent 750")
"""
