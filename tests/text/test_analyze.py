import dataclasses

import pytest

from cxray.text import TextAnalysis, analyze


def test_analyze_end_to_end() -> None:
    texts = [
        "Дякую, все чудово",
        "Спасибо, всё отлично",
        "Долго ждали, не понравилось. Звоните 067 123 45 67",
        "ok thanks",
        "",
    ]
    results = analyze(texts)
    assert [r.text for r in results] == texts
    assert [r.language for r in results] == ["uk", "ru", "ru", "en", "unknown"]
    assert [r.sentiment.label for r in results] == [
        "positive",
        "positive",
        "negative",
        "positive",
        "neutral",
    ]
    assert results[2].lemmas[:3] == ["долго", "ждать", "не_понравиться"]
    assert results[2].masked.endswith("Звоните [phone]")
    assert "не_понравиться" in results[2].sentiment.carriers
    assert all(isinstance(r.themes, list) and isinstance(r.codes, list) for r in results)


def test_result_is_frozen() -> None:
    result = analyze(["ok"])[0]
    assert isinstance(result, TextAnalysis)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.language = "ru"  # type: ignore[misc]


def test_themes_and_codes_come_from_the_rule_engines() -> None:
    result = analyze(["Ждали в очереди больше часа, администратор нахамила"])[0]
    assert result.themes, "the taxonomy should find the waiting/rudeness themes"
    for hit in result.themes:
        assert hit.theme and 0 <= hit.confidence <= 1 and hit.evidence
    for code in result.codes:
        assert code.scheme in ("purchase_factor", "churn_reason")


def test_full_model_and_skipping_themes() -> None:
    results = analyze(["Спасибо, всё отлично", "Грубо и долго"], model="full", themes=False)
    assert [r.sentiment.label for r in results] == ["positive", "negative"]
    assert results[0].themes == [] and results[0].codes == []


def test_empty_input() -> None:
    assert analyze([]) == []
