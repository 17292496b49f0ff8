"""Mask personal data in comments before they are shown or exported: phones, emails, cards.

Conservative by design: a run of digits becomes "[card]" only when it has 13-19 digits and
passes the Luhn check, and "[phone]" only with 10-13 digits in a phone-like shape, so amounts
("1 250 грн"), dates and order numbers stay readable.
"""

from __future__ import annotations

import re

_EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-zA-Zа-яА-Яії]{2,}\b")
# Digits joined by single spaces, dashes or brackets, optionally with a leading "+".
_DIGIT_RUN_RE = re.compile(r"(?<![\w+])\+?\(?\d(?:[\s\-()]{0,2}\d){8,22}(?!\w)")
# Inside a long run (two numbers written one after the other): the Ukrainian shape alone.
_UA_PHONE_RE = re.compile(r"(?:\+?38\s?)?\(?0\d{2}\)?[\s-]?\d{3}[\s-]?\d{2}[\s-]?\d{2}")


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum that every payment card number satisfies."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _looks_like_phone(run: str, digits: str) -> bool:
    n = len(digits)
    if run.startswith("+"):
        return 10 <= n <= 13
    # Ukrainian/Russian national forms: 0XX XXX XX XX, 8 0XX ..., 380..., 7 9XX ...
    if n == 10 and digits[0] in "08":
        return True
    if n == 11 and digits[0] in "78":
        return True
    return n == 12 and digits.startswith("380")


def _mask_digits(match: re.Match[str]) -> str:
    run = match.group(0)
    digits = re.sub(r"\D", "", run)
    if 13 <= len(digits) <= 19 and luhn_valid(digits) and not run.startswith("+"):
        return "[card]"
    if _looks_like_phone(run, digits):
        return "[phone]"
    return _UA_PHONE_RE.sub("[phone]", run) if len(digits) >= 20 else run


def mask_pii(text: str) -> str:
    """``text`` with emails, card numbers and phone numbers replaced by "[email]", "[card]"
    and "[phone]"."""
    text = _EMAIL_RE.sub("[email]", text)
    return _DIGIT_RUN_RE.sub(_mask_digits, text)
