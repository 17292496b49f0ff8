from cxray.text import lemmatize
from cxray.text.lemmas import normal_form, tokenize
from cxray.text.stopwords import INTENSIFIERS, NEGATIONS, STOPWORDS


def test_apostrophes_stay_inside_ukrainian_words() -> None:
    assert tokenize("П'ять зірок, мʼякий і м’який") == ["п'ять", "зірок", "м'який", "і", "м'який"]
    assert lemmatize("мʼякий диван", "uk") == ["м'який", "диван"]


def test_negation_is_attached_to_the_next_content_word() -> None:
    assert lemmatize("не понравилось", "ru") == ["не_понравиться"]
    assert lemmatize("Не сподобалось", "uk") == ["не_сподобатися"]
    assert lemmatize("not good", "en") == ["not_good"]
    assert lemmatize("I didn't like it", "en") == ["not_like"]


def test_negation_skips_stop_words_but_not_punctuation() -> None:
    assert lemmatize("не был доволен", "ru") == ["не_довольный"]
    assert lemmatize("Нет, всё понравилось", "ru") == ["понравиться"]


def test_stop_words_are_removed_and_intensifiers_kept() -> None:
    assert lemmatize("Долго ждали, очень не понравилось", "ru") == [
        "долго",
        "ждать",
        "очень",
        "не_понравиться",
    ]
    assert "дуже" in lemmatize("дуже довго", "uk")


def test_stop_lists_keep_negations_and_intensifiers_out() -> None:
    for lang, stop in STOPWORDS.items():
        assert not stop & NEGATIONS[lang]
        assert not stop & set(INTENSIFIERS)


def test_each_word_is_lemmatised_in_its_own_language() -> None:
    # a Russian word in a Ukrainian comment still gets its Russian lemma
    assert lemmatize("Дякую, всё понравилось", "mixed") == ["дякувати", "понравиться"]
    assert lemmatize("Лікар супер, thanks", "mixed") == ["лікар", "супер", "thank"]


def test_language_is_detected_when_not_given() -> None:
    assert lemmatize("Дякую, все чудово") == ["дякувати", "чудово"]


def test_normal_form_is_cached() -> None:
    normal_form.cache_clear()
    normal_form("ждали", "ru")
    normal_form("ждали", "ru")
    assert normal_form.cache_info().hits == 1


def test_no_words_no_lemmas() -> None:
    assert lemmatize("", "ru") == []
    assert lemmatize("123 !!!", "uk") == []
