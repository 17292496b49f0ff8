"""Invented people for the demo: Ukrainian full names, e-mails and phone numbers.

Names are written the way a Ukrainian clinic's registry keeps them ("Surname Given
Patronymic", in Ukrainian), whatever language the patient later writes comments in.
Every draw goes through the caller's ``numpy.random.Generator`` so the output is seeded.
"""

from __future__ import annotations

import numpy as np

# fmt: off
# Surnames that do not change with gender (-енко, -чук, -ук ... are the common case).
SURNAMES = [
    "Ковальчук", "Шевченко", "Бондаренко", "Ткаченко", "Кравченко", "Олійник", "Шевчук",
    "Поліщук", "Бойко", "Мельник", "Коваленко", "Лисенко", "Марченко", "Руденко", "Савчук",
    "Гаврилюк", "Петренко", "Павленко", "Клименко", "Мартинюк", "Левченко", "Романюк",
    "Кузьменко", "Семенко", "Федорук", "Гнатюк", "Довженко", "Пономаренко", "Сидоренко",
    "Яковенко", "Білик", "Приходько", "Остапчук", "Дмитренко", "Тимошенко", "Гончарук",
    "Захарченко", "Зінченко", "Карпенко", "Куліш", "Литвиненко", "Мороз", "Нестеренко",
    "Опанасенко", "Панченко", "Ремез", "Стасюк", "Тарасенко", "Устименко", "Хоменко",
    "Чорновол", "Юрченко", "Ярошенко", "Вакуленко", "Гребенюк", "Демчук", "Жук", "Іваненко",
    "Кириленко", "Лук'яненко", "Михайлюк", "Наумович", "Осадчук", "Прокопчук", "Рибак",
    "Сорока", "Ткачук", "Фесенко", "Харченко", "Циганок", "Шаповал", "Щербак", "Андрієнко",
    "Бабич", "Вдовиченко", "Головко", "Дорошенко", "Єрмоленко", "Заїка", "Климчук",
]

MALE = [
    "Олександр", "Андрій", "Сергій", "Дмитро", "Володимир", "Максим", "Іван", "Олег",
    "Віктор", "Юрій", "Михайло", "Богдан", "Тарас", "Роман", "Артем", "Денис", "Ігор",
    "Василь", "Петро", "Микола", "Євген", "Антон", "Павло", "Ярослав", "Степан", "Назар",
]
FEMALE = [
    "Олена", "Ірина", "Наталія", "Тетяна", "Оксана", "Юлія", "Світлана", "Марія", "Анна",
    "Катерина", "Людмила", "Вікторія", "Галина", "Ольга", "Алла", "Софія", "Дарина",
    "Христина", "Інна", "Лариса", "Надія", "Віра", "Зоряна", "Мирослава", "Яна", "Аліна",
]
# Patronymic stems from fathers' names: (male form, female form).
PATRONYMICS = [
    ("Петрович", "Петрівна"), ("Іванович", "Іванівна"), ("Олександрович", "Олександрівна"),
    ("Миколайович", "Миколаївна"), ("Сергійович", "Сергіївна"), ("Володимирович", "Володимирівна"),
    ("Васильович", "Василівна"), ("Михайлович", "Михайлівна"), ("Андрійович", "Андріївна"),
    ("Богданович", "Богданівна"), ("Юрійович", "Юріївна"), ("Вікторович", "Вікторівна"),
    ("Степанович", "Степанівна"), ("Григорович", "Григорівна"), ("Анатолійович", "Анатоліївна"),
]

_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie", "ж": "zh",
    "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n",
    "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "iu", "я": "ia", "'": "",
}

MAIL_DOMAINS = ["gmail.com", "ukr.net", "i.ua", "meta.ua", "gmail.com", "outlook.com"]
# Ukrainian mobile operator codes (Kyivstar, Vodafone, lifecell).
PHONE_CODES = ["67", "68", "96", "97", "98", "50", "66", "95", "99", "63", "73", "93"]
# fmt: on


def translit(text: str) -> str:
    """Latin spelling of a Ukrainian word, close to the official passport rules."""
    return "".join(_TRANSLIT.get(ch, ch) for ch in text.lower())


def full_names(rng: np.random.Generator, female: np.ndarray) -> list[str]:
    """One "Surname Given Patronymic" per element of the boolean ``female`` array."""
    n = len(female)
    s = rng.integers(0, len(SURNAMES), n)
    g = rng.integers(0, len(FEMALE), n)
    p = rng.integers(0, len(PATRONYMICS), n)
    return [
        f"{SURNAMES[s[i]]} {FEMALE[g[i]] if female[i] else MALE[g[i] % len(MALE)]} "
        f"{PATRONYMICS[p[i]][1 if female[i] else 0]}"
        for i in range(n)
    ]


def emails(rng: np.random.Generator, names: list[str]) -> list[str | None]:
    """Plausible private addresses; about a quarter of patients never left one."""
    n = len(names)
    has = rng.random(n) < 0.75
    dom = rng.integers(0, len(MAIL_DOMAINS), n)
    num = rng.integers(1, 99, n)
    style = rng.integers(0, 3, n)
    out: list[str | None] = []
    for i, name in enumerate(names):
        if not has[i]:
            out.append(None)
            continue
        surname, given = name.split(" ")[:2]
        s, g = translit(surname), translit(given)
        local = (f"{g}.{s}", f"{s}{num[i]}", f"{g[0]}{s}{1960 + num[i] % 45}")[style[i]]
        out.append(f"{local}@{MAIL_DOMAINS[dom[i]]}")
    return out


def phones(rng: np.random.Generator, n: int) -> list[str]:
    """Unique-looking +380 mobile numbers."""
    code = rng.integers(0, len(PHONE_CODES), n)
    num = rng.integers(0, 10_000_000, n)
    return [f"+380{PHONE_CODES[code[i]]}{num[i]:07d}" for i in range(n)]
