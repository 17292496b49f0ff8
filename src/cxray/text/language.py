"""Language of a short comment: "ru", "uk", "en", "mixed" or "unknown".

Built for two- and three-word comments, where statistical detectors guess. Evidence per
token, strongest first:

1. letters only one language has (uk: і ї є ґ and the apostrophe inside a word; ru: ы э ъ ё);
2. frequent function and service words that exist in only one language (что/що, очень/дуже);
3. the pymorphy3 dictionaries as a tie-breaker: a word only one of them knows (лікар, врач);
4. Latin letters for English (loanwords such as "ok" or "wifi" count little).

"mixed" when the second language carries substantial evidence of its own (surzhyk,
a Russian comment with an English sentence). "unknown" when nothing tells the languages
apart: no letters at all, or only words both Cyrillic languages share ("Все супер").
lingua-language-detector was not used: 100 MB and 1.2 s to build (see docs/decisions/0005).
"""

from __future__ import annotations

from functools import lru_cache

from cxray.text.lemmas import _LATIN_RE, _RU_ONLY, _UK_ONLY, morph, tokenize


def _words(block: str) -> frozenset[str]:
    return frozenset(block.split())


# fmt: off
_RU_WORDS = _words("""
и что это как очень спасибо хорошо отлично плохо ужасно быстро долго но был была было были
мне меня он она они оно уже еще ещё где когда только тоже если или чтобы к от из нет ничего
всё сейчас потом почему здесь тут врач врача больница пожалуйста сотрудник сотрудники
вообще всегда никогда который которая которые хотя сказать сказали очередь очереди
понравилось понравился спасибочки благодарю доволен довольна довольны нормально прием приём
лечение деньги цена цены дорого ждать ждали ждал ждала час часа минут раз два три
лучше хуже теперь можно нужно надо будет приду ребенок ребёнка кофе вкусно вкусный
вкусная вкусные вежливый вежливая вежливо обслуживание качество заказ вовремя пришлось
перезвонили дозвониться дозвонилась дозвонился спасибки грубо хамят хамит ресепшн ресепшене
регистратура регистратуре медсестра доставили посылка отзыв ужас кошмар""")
_UK_WORDS = _words("""
і й та що це як дуже дякую добре погано жахливо швидко довго але був була було були мені
мене він вона вони воно вже ще де коли тільки теж також якщо або чи щоб з від із ні немає
нема нічого все зараз потім чому тут лікар лікаря лікарня будь ласка працівник працівники
взагалі завжди ніколи який яка які хоча сказати сказали черга черзі сподобалось
сподобалося сподобався дякуємо задоволений задоволена задоволені прийом лікування гроші
ціна ціни дорого чекати чекали чекав чекала година години хвилин раз два три краще гірше
просто тепер можна потрібно треба буде буду прийду дитина дитини дуже чудово гарно
наші ваш ваша ваші свій своя є його її їх кава смачно смачна смачний смачні ввічливий
ввічлива ввічливо обслуговування якість замовлення вчасно довелося передзвонили
додзвонитися додзвонилась додзвонився рецепція рецепції реєстратура медсестра доставили
пакунок відгук жах жахливий жахливо хамлять хамить""")
# Latin words a Russian or Ukrainian comment uses as loanwords.
_LOANWORDS = _words("ok okay ок wifi wi-fi sms viber telegram vip id online iphone")
_EN_FUNCTION = _words("""
the and is are was were it this that to of for with not no very good bad thanks thank you
i we my our they but so too all great staff service nice ok okay
""")
# fmt: on

# A word spelt the same in both languages (два, тут, все) tells nothing.
_RU_WORDS_ONLY = _RU_WORDS - _UK_WORDS
_UK_WORDS_ONLY = _UK_WORDS - _RU_WORDS

LANGUAGES = ("ru", "uk", "en", "mixed", "unknown")


@lru_cache(maxsize=1 << 16)
def _token_evidence(token: str) -> tuple[float, float, float]:
    """(ru, uk, en) evidence carried by one lower-cased token."""
    if _LATIN_RE.match(token):
        if token in _LOANWORDS:
            return 0.0, 0.0, 0.3
        return 0.0, 0.0, 1.5 if token in _EN_FUNCTION else 1.0
    letters = set(token)
    ru = 2.0 if letters & _RU_ONLY else 0.0
    uk = 2.0 if letters & _UK_ONLY else 0.0
    if token in _RU_WORDS_ONLY:
        ru += 1.5
    elif token in _UK_WORDS_ONLY:
        uk += 1.5
    elif not (ru or uk) and len(token) > 2:
        known_ru = morph("ru").word_is_known(token)
        known_uk = morph("uk").word_is_known(token)
        if known_ru != known_uk:
            ru, uk = (1.0, 0.0) if known_ru else (0.0, 1.0)
    return ru, uk, 0.0


def language_evidence(text: str) -> dict[str, float]:
    """Summed evidence per language over the tokens of ``text``.

    "cyrillic" counts Cyrillic words that tell nothing about ru vs uk (0.5 each): they still
    say the comment is not only English.
    """
    ru = uk = en = cyr = 0.0
    for token in tokenize(text):
        r, u, e = _token_evidence(token)
        ru, uk, en = ru + r, uk + u, en + e
        if not (r or u or e) and len(token) > 1:
            cyr += 0.5
    return {"ru": ru, "uk": uk, "en": en, "cyrillic": ru + uk + cyr}


def _substantial(second: float, top: float, share: float) -> bool:
    # The runner-up must have a telling letter or word of its own (>= 1.5): a loanword or a
    # single dictionary-only hit (often a rare word one dictionary lacks) is not enough.
    return second >= 1.5 and second >= share * top


def detect_language(text: str) -> str:
    """ "ru", "uk", "en", "mixed" or "unknown" for one comment (right on 2-3 word comments)."""
    ev = language_evidence(text)
    en, cyr, ru, uk = ev["en"], ev["cyrillic"], ev["ru"], ev["uk"]
    if en == 0 and cyr == 0:
        return "unknown"
    if en and cyr:
        if _substantial(min(en, cyr), max(en, cyr), 0.2):
            return "mixed"
        if en > cyr:
            return "en"
    elif en:
        return "en"
    if ru == uk:  # only words both languages share, or an exact tie
        return "mixed" if ru >= 1.5 else "unknown"
    top, second = max(ru, uk), min(ru, uk)
    if _substantial(second, top, 0.15):
        return "mixed"
    return "ru" if ru > uk else "uk"
