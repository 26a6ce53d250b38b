"""Personal estimates in the chat: one form per benefit (data/core/estimates.yml).

- `base`: what every estimate form does. The figures the citizen already
  gave (in the first message or any later one) are read by `extract_`
  methods and not asked again; the missing ones are asked one at a time; a
  wrong answer gets a plain message and the question again; a policy
  question in the middle is answered and the form goes on; "cancel" stops
  (`action_cancel_request`).
- `forms`: the questions of each benefit's form.
- `asking`: questions that first show what is known so far ("With 28
  years, your pension at 67 would be €1,036.00 a month").
- `answers` and `answers_family`: the result with its working, said by
  responses filled with the figures, then "This is an estimate. A case
  worker decides." and the next step.

The arithmetic is `actions.estimates`; every text the citizen sees is a
response in data/core/estimates.yml.
"""
