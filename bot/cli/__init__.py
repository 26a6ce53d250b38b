"""The command line: run the assistant, train, check content, evaluate.

One module per command group, each adding its commands to the group here:

- bot/cli/group.py: the group (settings into the context) and `fail`
- bot/cli/serve.py: settings, train, run, actions, worker, purge, shell
- bot/cli/evaluate.py: coverage, eval, compare, designs, bench, nlu-bench
- bot/cli/languages.py: translations, translations-scaffold, languages
- bot/cli/telegram.py: telegram set-webhook / delete-webhook / webhook-info
- bot/metrics/cli.py: metrics, metrics-bench, metrics-rebuild (with the figures)
- bot/review/cli.py: inbox ... (the review inbox, with it)
- staff/cli.py: staff ... (with the staff console)

Heavy imports (rasa, tensorflow) stay inside the commands so `--help` is fast.
"""

from __future__ import annotations

from bot.cli import evaluate, languages, serve, telegram
from bot.cli.group import cli, fail

__all__ = ["main", "cli", "fail"]

for _module in (serve, evaluate, languages, telegram):
    for _name in _module.__all__:
        cli.add_command(getattr(_module, _name))


def main() -> None:
    """Entry point of `python -m bot`."""
    cli(prog_name="python -m bot")


def _staff_commands() -> None:
    # The staff console's commands live with it (staff/cli.py, click only at import).
    from staff.cli import staff

    cli.add_command(staff)
    # The analytics commands live with the figures (bot/metrics/cli.py).
    from bot.metrics.cli import metrics, metrics_bench, metrics_rebuild

    cli.add_command(metrics)
    cli.add_command(metrics_bench)
    cli.add_command(metrics_rebuild)
    # The review inbox's commands live with it (bot/review/cli.py).
    from bot.review.cli import inbox

    cli.add_command(inbox)


_staff_commands()
