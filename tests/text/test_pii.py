import pytest

from cxray.text import mask_pii
from cxray.text.pii import luhn_valid


@pytest.mark.parametrize(
    "text",
    [
        "+380 67 123 45 67",
        "+380671234567",
        "+38 (067) 123-45-67",
        "8 (044) 123-45-67",
        "067 123 45 67",
        "0671234567",
        "+7 (916) 123-45-67",
        "(067)1234567",
    ],
)
def test_phone_numbers_are_masked(text: str) -> None:
    assert mask_pii(f"Звоните {text}, жду") == "Звоните [phone], жду"


def test_emails_are_masked() -> None:
    assert mask_pii("пишіть на ivan.petrenko+cx@gmail.com.") == "пишіть на [email]."
    assert mask_pii("mail: o_k@ukr.net") == "mail: [email]"


def test_luhn_valid_cards_are_masked_in_any_grouping() -> None:
    assert mask_pii("карта 4111 1111 1111 1111") == "карта [card]"
    assert mask_pii("card 5500-0000-0000-0004 please") == "card [card] please"
    assert mask_pii("4111111111111111") == "[card]"


def test_numbers_that_are_not_pii_stay() -> None:
    for text in [
        "карта 4111 1111 1111 1112",  # fails Luhn
        "заказ 12345678, сумма 1 250 грн",
        "дата 12.03.2024, час 10:30, кабінет 204",
        "NPS 10/10",
    ]:
        assert mask_pii(text) == text


def test_two_phones_written_together() -> None:
    assert mask_pii("067 123 45 67 098 765 43 21") == "[phone] [phone]"


def test_luhn() -> None:
    assert luhn_valid("79927398713")
    assert not luhn_valid("79927398710")
