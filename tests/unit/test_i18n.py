"""The translation catalogue, the generator, numbers, languages and the content check."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from bot.i18n import numbers
from bot.i18n.catalogue import Catalogue, source_hash
from bot.i18n.check import report, scaffold
from bot.i18n.languages import from_hint, named_in, plural_form, script_of
from bot.i18n.nlg import TranslatingNLG

ENGLISH = {
    "responses": {
        "utter_amount": [
            {"text": "The full pension is €1,480.00 a month, 0.4% less per month early."},
            {"channel": "sms", "text": "Full pension: €1,480.00 a month."},
        ],
        "utter_choice": [{"text": "Call back? 1 Yes 2 No", "buttons": [
            {"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]}],
        "utter_sent": [{"text": "Your reference is {reference}, {when}."}],
        "utter_untranslated": [{"text": "Only in English."}],
    }
}
TEXTS = {"texts": {
    "term_weekday_0": [{"text": "Monday"}],
    "term_days": [{"text": "{count} days", "one": "{count} day"}],
}}


def _write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _variation(data: dict, name: str, index: int = 0) -> dict:
    return data["responses"][name][index]


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    _write(tmp_path / "domain.yml", ENGLISH)
    (tmp_path / "data").mkdir()
    _write(tmp_path / "texts.yml", TEXTS)
    amount, sms = ENGLISH["responses"]["utter_amount"]
    _write(tmp_path / "translations" / "pl" / "domain.yml", {"responses": {
        "utter_amount": [
            {"source": source_hash(amount),
             "text": "Pełna emerytura to 1480,00 € miesięcznie, 0,4% mniej za miesiąc."},
            {"channel": "sms", "source": "0000000000", "text": "Stare tlumaczenie: 1480,00 €."},
        ],
        "utter_choice": [{"source": source_hash(_variation(ENGLISH, "utter_choice")),
                          "text": "Oddzwonić? 1 Tak 2 Nie",
                          "buttons": [{"title": "Tak", "payload": "/affirm"},
                                      {"title": "Nie", "payload": "/deny"}]}],
        "utter_sent": [{"source": source_hash(_variation(ENGLISH, "utter_sent")),
                        "text": "Twój numer to {reference}, {when}."}],
    }})
    _write(tmp_path / "translations" / "pl" / "texts.yml", {"texts": {
        "term_weekday_0": [{"source": source_hash({"text": "Monday"}), "text": "poniedziałek"}],
        "term_days": [{"source": source_hash({"text": "{count} days"}), "text": "{count} dni",
                       "one": "{count} dzień"}],
    }, "choices": {"time_window": {"morning": "rano, z rana"}}})
    return tmp_path


def catalogue_of(project: Path) -> Catalogue:
    return Catalogue(root=project, translations=project / "translations")


# --- the catalogue -----------------------------------------------------------------


def test_a_fresh_translation_is_used_with_its_language(project: Path) -> None:
    [web, _] = catalogue_of(project).variations("utter_amount", "pl")
    assert web["text"].startswith("Pełna emerytura") and web["language"] == "pl"


def test_a_stale_translation_falls_back_to_english(project: Path) -> None:
    [_, sms] = catalogue_of(project).variations("utter_amount", "pl")
    assert sms == {"channel": "sms", "text": "Full pension: €1,480.00 a month.",
                   "language": "en"}


def test_a_missing_translation_falls_back_to_english(project: Path) -> None:
    assert catalogue_of(project).variations("utter_untranslated", "pl") == [
        {"text": "Only in English.", "language": "en"}]


def test_buttons_keep_their_payloads_and_get_the_translated_titles(project: Path) -> None:
    [choice] = catalogue_of(project).variations("utter_choice", "pl")
    assert choice["buttons"] == [{"title": "Tak", "payload": "/affirm"},
                                 {"title": "Nie", "payload": "/deny"}]


def test_changing_the_english_makes_the_translation_stale(project: Path) -> None:
    changed = {"responses": {**ENGLISH["responses"], "utter_amount": [
        {"text": "The full pension is €1,500.00 a month."},
        ENGLISH["responses"]["utter_amount"][1]]}}
    _write(project / "domain.yml", changed)
    [web, _] = catalogue_of(project).variations("utter_amount", "pl")
    assert web["language"] == "en" and "1,500.00" in web["text"]


def test_terms_money_and_plurals_are_rendered_in_the_language(project: Path) -> None:
    catalogue = catalogue_of(project)
    assert catalogue.render({"term": "term_weekday_0"}, "pl") == "poniedziałek"
    assert catalogue.render({"term": "term_days", "vars": {"count": 1}}, "pl") == "1 dzień"
    assert catalogue.render({"term": "term_days", "vars": {"count": 5}}, "pl") == "5 dni"
    assert catalogue.render({"term": "term_days", "vars": {"count": 5}}, "en") == "5 days"
    assert catalogue.render(["- ", {"money": 148000}], "pl") == "- 1 480,00 €"
    assert catalogue.render(["- ", {"money": 148000}], "en") == "- €1,480.00"
    assert catalogue.render([{"title": "a button"}], "pl") == [{"title": "a button"}]


def test_the_words_of_other_languages_for_fixed_answers(project: Path) -> None:
    assert catalogue_of(project).choices("time_window") == {"morning": ["rano", "z rana"]}


def test_a_changed_translation_file_is_read_again(project: Path, monkeypatch) -> None:
    catalogue = catalogue_of(project)
    assert catalogue.variations("utter_sent", "pl")[0]["text"].startswith("Twój")
    path = project / "translations" / "pl" / "domain.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["responses"]["utter_sent"][0]["text"] = "Numer: {reference}, {when}."
    _write(path, data)
    monkeypatch.setattr("bot.i18n.catalogue._RELOAD_SECONDS", 0.0)
    import os

    os.utime(path, (1, 1))
    assert catalogue.variations("utter_sent", "pl")[0]["text"] == "Numer: {reference}, {when}."


# --- the generator -----------------------------------------------------------------


def _tracker(language=None) -> DialogueStateTracker:
    domain = Domain.from_dict({"slots": {"language": {
        "type": "text", "mappings": [{"type": "from_entity", "entity": "language"}]}}})
    events = [SlotSet("language", language)] if language else []
    return DialogueStateTracker.from_events("someone", events, slots=domain.slots)


def _nlg(project: Path) -> TranslatingNLG:
    domain = Domain.from_dict(ENGLISH)
    return TranslatingNLG(domain=domain, catalogue=catalogue_of(project))


def test_the_generator_answers_in_the_conversations_language(project: Path) -> None:
    nlg = _nlg(project)
    said = asyncio.run(nlg.generate("utter_sent", _tracker("pl"), "rest", reference="NSSA-1",
                                    when={"term": "term_weekday_0"}))
    assert said["text"] == "Twój numer to NSSA-1, poniedziałek." and said["language"] == "pl"


def test_the_generator_falls_back_to_english_with_english_words(project: Path) -> None:
    nlg = _nlg(project)
    said = asyncio.run(nlg.generate("utter_untranslated", _tracker("pl"), "rest"))
    assert said == {"text": "Only in English.", "language": "en"}
    said = asyncio.run(nlg.generate("utter_amount", _tracker("pl"), "sms"))
    assert said["text"] == "Full pension: €1,480.00 a month." and said["language"] == "en"


def test_an_action_may_name_the_language_of_one_message(project: Path) -> None:
    said = asyncio.run(_nlg(project).generate("utter_amount", _tracker(), "rest", language="pl"))
    assert said["language"] == "pl"


def test_without_a_language_the_answer_is_english(project: Path) -> None:
    said = asyncio.run(_nlg(project).generate("utter_amount", _tracker(), "rest"))
    assert said["language"] == "en" and said["text"].startswith("The full pension")


def test_rasa_setting_the_models_responses_rebuilds_the_english(project: Path) -> None:
    nlg = TranslatingNLG(domain=None)
    nlg.responses = Domain.from_dict(ENGLISH).responses
    assert asyncio.run(nlg.generate("utter_untranslated", _tracker(), "rest"))["text"] == (
        "Only in English.")


# --- the check ---------------------------------------------------------------------


def test_the_check_reports_missing_stale_numbers_and_placeholders(project: Path) -> None:
    path = project / "translations" / "pl" / "domain.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["responses"]["utter_amount"][0]["text"] = "Pełna emerytura to 1400,00 € miesięcznie."
    data["responses"]["utter_sent"][0]["text"] = "Twój numer to {reference}."
    data["responses"]["utter_gone"] = [{"source": "x", "text": "nic"}]
    _write(path, data)
    result = report("pl", catalogue_of(project))
    errors = "\n".join(result.errors)
    assert "NUMBERS utter_amount lacks 0.4, 1480" in errors
    assert "translations/pl/domain.yml:" in errors
    assert "KEEP utter_sent must have the placeholders ['reference', 'when']" in errors
    assert "ORPHAN utter_gone" in errors
    assert [entry.name for entry, _ in result.stale] == ["utter_amount"]
    assert [english.name for english, _ in result.missing] == ["utter_untranslated"]
    assert not result.ok


def test_a_right_translation_passes_the_check(project: Path) -> None:
    result = report("pl", catalogue_of(project))
    assert result.ok, result.errors
    assert result.fresh == 5


def test_the_scaffold_adds_every_missing_text_with_its_hash(project: Path) -> None:
    written = scaffold("uk", catalogue_of(project), project / "translations")
    data = yaml.safe_load((project / "translations" / "uk" / "domain.yml").read_text("utf-8"))
    entry = data["responses"]["utter_amount"][1]
    assert entry["channel"] == "sms" and entry["text"] == ""
    assert entry["source"] == source_hash(ENGLISH["responses"]["utter_amount"][1])
    assert entry["english"] == "Full pension: €1,480.00 a month."
    assert len(written) == 2
    assert report("uk", catalogue_of(project)).fresh == 0


# --- numbers -----------------------------------------------------------------------


@pytest.mark.parametrize("english,translated,decimal", [
    ("€1,480.00", "1480,00 €", ","),
    ("€1,480.00", "1 480,00 €", ","),
    ("€1,480.00", "€1480.00", "."),
    ("€1,480.00", "١٬٤٨٠٫٠٠ يورو", "."),
    ("19.2%", "19,2 %", ","),
    ("19.2%", "١٩٫٢٪", "."),
    ("08:00-18:00", "8:00–18:00", ","),
    ("0800 600 100", "0800 600 100,", ","),
    ("form OAP-1", "formularz OAP-1", ","),
    ("12.03.1985", "12.03.1985 р.", ","),
])
def test_numbers_are_compared_by_value(english: str, translated: str, decimal: str) -> None:
    assert numbers.missing_facts(english, translated, decimal) == []


def test_another_number_is_a_missing_fact() -> None:
    assert numbers.missing_facts("€1,480.00 and 40 years", "1 408,00 € i 40 lat", ",") == [
        "1480"]


def test_money_as_each_language_writes_it() -> None:
    assert numbers.money(75050, ".") == "€750.50"
    assert numbers.money(148000, ",") == "1 480,00 €"


# --- languages ---------------------------------------------------------------------


@pytest.mark.parametrize("text,code", [
    ("English please", "en"), ("po polsku proszę", "pl"), ("Możemy przejść na ukraiński?", "uk"),
    ("українською, будь ласка", "uk"), ("بالعربية من فضلك", "ar"), ("Northlandic please", "qnl"),
    ("ile wynosi emerytura", None),
])
def test_the_language_a_message_names(text: str, code) -> None:
    assert named_in(text) == code


def test_channel_hints() -> None:
    assert from_hint("pl-PL") == "pl" and from_hint("uk") == "uk" and from_hint("ar_EG") == "ar"
    assert from_hint("de-DE") is None and from_hint(None) is None
    assert from_hint("qnl") is None  # not offered yet: only chosen by name


def test_scripts() -> None:
    assert script_of("Пенсія") == "cyrillic" and script_of("المعاش 2026") == "arabic"
    assert script_of("emerytura NSSA") == "latin" and script_of("1234 😀") is None


@pytest.mark.parametrize("code,forms", [
    ("en", {1: "one", 2: "text", 5: "text"}),
    ("pl", {1: "one", 2: "few", 5: "many", 12: "many", 22: "few"}),
    ("uk", {1: "one", 21: "one", 11: "many", 3: "few", 5: "many"}),
    ("ar", {0: "zero", 1: "one", 2: "two", 3: "few", 11: "many", 100: "text"}),
])
def test_plural_forms(code: str, forms: dict) -> None:
    assert {n: plural_form(n, code) for n in forms} == forms


# --- proactive notices -------------------------------------------------------------


def _notice_tracker(language: str, name: str, variables: str) -> DialogueStateTracker:
    from rasa.shared.core.events import UserUttered

    domain = Domain.from_dict({"slots": {"language": {
        "type": "text", "mappings": [{"type": "custom"}]}}})
    entities = [{"entity": "notice_text", "value": "English text"},
                {"entity": "notice", "value": name}, {"entity": "notice_vars", "value": variables}]
    events = [SlotSet("language", language),
              UserUttered.create_external("EXTERNAL_notice", entities)]
    return DialogueStateTracker.from_events("someone", events, slots=domain.slots)


def test_a_cms_notice_is_said_in_the_conversations_language() -> None:
    nlg = TranslatingNLG(domain=Domain.from_dict({"responses": {}}),
                         catalogue=Catalogue())
    tracker = _notice_tracker("pl", "utter_notice_case_status",
                              '{"reference": "NSSA-2026-000123", '
                              '"status": {"term": "term_status_decided"}}')
    said = asyncio.run(nlg.generate("utter_notice", tracker, "rest"))
    assert said["text"] == ("Twoja sprawa NSSA-2026-000123 została zaktualizowana: Zapadła "
                            "decyzja. List jest w My NSSA lub jest w drodze pocztą.")
    assert said["language"] == "pl"


def test_the_cms_english_payment_text_is_replaced_in_another_language() -> None:
    nlg = TranslatingNLG(domain=Domain.from_dict({"responses": {}}), catalogue=Catalogue())
    tracker = _notice_tracker("pl", "utter_notice_payment_text",
                              '{"text": "Your pension is paid on 18 December."}')
    said = asyncio.run(nlg.generate("utter_notice", tracker, "rest"))
    assert said["text"].startswith("Zmienił się termin jednej z Twoich wypłat")
    english = _notice_tracker("en", "utter_notice_payment_text",
                              '{"text": "Your pension is paid on 18 December."}')
    assert asyncio.run(nlg.generate("utter_notice", english, "rest"))["text"] == (
        "Your pension is paid on 18 December.")


def test_the_scaffold_refreshes_an_untranslated_entry_whose_english_changed(
    project: Path,
) -> None:
    scaffold("uk", catalogue_of(project), project / "translations")
    changed = {"responses": {**ENGLISH["responses"],
                             "utter_untranslated": [{"text": "Only in English, now."}]}}
    _write(project / "domain.yml", changed)
    scaffold("uk", catalogue_of(project), project / "translations")
    data = yaml.safe_load((project / "translations" / "uk" / "domain.yml").read_text("utf-8"))
    [entry] = data["responses"]["utter_untranslated"]
    assert entry == {"source": source_hash({"text": "Only in English, now."}),
                     "english": "Only in English, now.", "text": ""}
