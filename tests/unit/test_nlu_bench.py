"""`python -m bot nlu-bench`: which messages it times and what it prints."""

from __future__ import annotations

from pathlib import Path

from bot.evaluation.nlu_bench import BenchResult, bench_texts, render


def test_every_languages_questions_are_timed(tmp_path: Path) -> None:
    for lang, text in (("en", "when is my pension paid"), ("pl", "kiedy jest emerytura")):
        (tmp_path / lang).mkdir()
        (tmp_path / lang / "questions.yml").write_text(
            f'- id: {lang}-q-0001\n  category: answerable\n  text: "{text}"\n', encoding="utf-8")
    assert bench_texts(tmp_path) == ["when is my pension paid", "kiedy jest emerytura"]
    assert len(bench_texts()) > 1000  # the real set: en, pl, uk and ar


def test_the_report_gives_p50_and_p95() -> None:
    result = BenchResult([float(ms) for ms in range(1, 101)],
                         [ms / 2 for ms in range(1, 101)], peak_rss_mib=812.4, load=3.2)
    report = render(result, Path("models/m.tar.gz"))
    assert "p50 ms           50.5" in report
    assert "p95 ms           96.0" in report
    assert "CPU p95 ms       48.0" in report
    assert "peak RSS MiB     812" in report and "load average     3.2" in report
