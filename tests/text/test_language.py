from cxray.text import detect_language
from cxray.text.language import LANGUAGES

from .language_phrases import EN, MIXED, RU, UK


def _misses(phrases: list[str], expected: str) -> list[tuple[str, str]]:
    return [(p, got) for p in phrases if (got := detect_language(p)) != expected]


def test_each_language_has_at_least_sixty_phrases() -> None:
    assert min(len(UK), len(RU), len(EN)) >= 60


def test_short_phrase_accuracy_is_at_least_95_percent() -> None:
    cases = [(UK, "uk"), (RU, "ru"), (EN, "en"), (MIXED, "mixed")]
    misses = [m for phrases, lang in cases for m in _misses(phrases, lang)]
    total = sum(len(p) for p, _ in cases)
    accuracy = 1 - len(misses) / total
    assert accuracy >= 0.95, misses
    for phrases, lang in cases[:3]:
        assert len(_misses(phrases, lang)) / len(phrases) <= 0.05, _misses(phrases, lang)


def test_named_examples() -> None:
    assert detect_language("Дякую, все чудово") == "uk"
    assert detect_language("Спасибо, всё отлично") == "ru"
    assert detect_language("ok thanks") == "en"


def test_no_letters_is_unknown() -> None:
    assert detect_language("") == "unknown"
    assert detect_language("10/10 !!! 👍") == "unknown"


def test_latin_i_inside_a_ukrainian_word_is_still_ukrainian() -> None:
    assert detect_language("Дякую, тiльки дорого") == "uk"  # Latin "i" in "тiльки"


def test_result_is_always_one_of_the_labels() -> None:
    for text in ["", "a", "я", "ї", "Ё", "123", "Ok", "Все супер"]:
        assert detect_language(text) in LANGUAGES
