"""The parts of `make mutate` (scripts/mutate.py is its command line).

- scope.py: what is mutated and which fast tests cover it (SCOPE)
- workdir.py: the run directory var/mutate/ and mutmut's settings there
- learning.py: what mutmut has learnt (changed functions, the tests' reach)
- report.py: the mutants' status, the equivalents and the printed figures
"""
