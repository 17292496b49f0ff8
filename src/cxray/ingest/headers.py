"""Recognise the columns of a file from their headers, in Russian, Ukrainian and English.

Headers are compared after normalisation (lower case, ``ё`` → ``е``, every space, underscore
and punctuation mark removed), so "Код клиента", "код_клиента" and "КОД-КЛИЕНТА" are one
header. Each canonical field lists its synonyms best first; the first exact match wins. Only
the event date has a looser rule: a single header that *contains* "date"/"дата" is taken
when no synonym matched, because exports name it in endless ways ("CUSTOMER_RESPONSE_DATE").
An explicit mapping (canonical field → source header) always overrides recognition.
"""

from __future__ import annotations

import re

from cxray.ingest.fields import FIELDS

_CUSTOMER = (
    "customer_id", "customerid", "customer", "client", "client_id", "customer_number",
    "customer no", "клиент", "код клиента", "id клиента", "номер клиента", "клиент id",
    "клієнт", "код клієнта", "id клієнта", "номер клієнта", "пацієнт", "пациент",
    "код пациента", "код пацієнта", "patient", "patient_id", "member_id", "account_id",
    "покупатель", "покупець", "абонент",
)  # fmt: skip
_EMPLOYEE = (
    "employee_id", "employee", "doctor", "manager", "staff", "agent", "operator",
    "сотрудник", "врач", "лікар", "співробітник", "менеджер", "оператор", "консультант",
    "работник", "працівник", "мастер", "майстер",
)  # fmt: skip
_UNIT = (
    "unit_id", "unit", "branch", "store", "shop", "location", "clinic", "office",
    "филиал", "філія", "отделение", "відділення", "магазин", "подразделение", "підрозділ",
    "точка", "клиника", "клініка", "офис", "офіс", "department", "отдел", "відділ",
)  # fmt: skip
_AT = (
    "at", "date", "datetime", "date_time", "invoicedate", "invoice_date", "order_date",
    "transaction_date", "purchase_date", "visit_date", "response_date", "survey_date",
    "created_at", "timestamp", "time", "дата", "дата визита", "дата візиту", "дата и время",
    "дата та час", "дата і час", "дата покупки", "дата ответа", "дата відповіді",
    "дата заказа", "дата замовлення", "время", "час",
)  # fmt: skip

SYNONYMS: dict[str, tuple[str, ...]] = {
    "customer_id": _CUSTOMER,
    "employee_id": _EMPLOYEE,
    "unit_id": _UNIT,
    "at": _AT,
    "transaction_id": (
        "transaction_id",
        "transaction",
        "transactionid",
        "invoice",
        "invoiceno",
        "invoice_no",
        "invoice_id",
        "order_id",
        "orderid",
        "order",
        "order_no",
        "receipt",
        "чек",
        "номер чека",
        "номер заказа",
        "заказ",
        "замовлення",
        "номер замовлення",
        "накладная",
        "счет",
        "рахунок",
        "id транзакции",
        "id транзакції",
    ),
    "amount": (
        "amount",
        "sum",
        "total",
        "revenue",
        "dollar_value",
        "value",
        "sales",
        "sales_amount",
        "total_amount",
        "order_value",
        "сумма",
        "сума",
        "сумма покупки",
        "сума покупки",
        "стоимость",
        "вартість",
        "выручка",
        "виручка",
        "итого",
        "разом",
    ),
    "quantity": (
        "quantity",
        "qty",
        "units",
        "количество",
        "кількість",
        "кол-во",
        "к-сть",
        "кол",
    ),
    "unit_price": ("unit_price", "unitprice", "price", "price_per_unit", "цена", "ціна"),
    "status": ("status", "order_status", "transaction_status", "статус", "состояние", "стан"),
    "product": (
        "product",
        "product_id",
        "sku",
        "stockcode",
        "stock_code",
        "item",
        "item_id",
        "product_name",
        "товар",
        "продукт",
        "услуга",
        "послуга",
        "артикул",
        "service",
    ),
    "touchpoint_id": (
        "touchpoint",
        "touchpoint_id",
        "stage",
        "survey_sub_type",
        "journey_stage",
        "точка контакта",
        "точка контакту",
        "этап",
        "етап",
        "стадия",
        "стадія",
    ),
    "channel": ("channel", "contact_channel", "канал", "канал связи", "канал зв'язку"),
    "score": (
        "score",
        "nps_score",
        "nps",
        "rating",
        "csat",
        "csat_score",
        "ces",
        "ces_score",
        "enps",
        "оценка",
        "оцінка",
        "бал",
        "балл",
        "рейтинг",
        "grade",
    ),
    "metric": ("metric", "survey_type", "метрика", "тип опроса", "тип опитування"),
    "response_id": (
        "response_id",
        "responseid",
        "answer_id",
        "id",
        "id ответа",
        "id відповіді",
    ),
    "respondent_employee_id": ("respondent_employee_id", "respondent_employee", "respondent"),
    "survey_id": ("survey_id", "survey", "опрос", "опитування", "анкета"),
    "comment": (
        "comment",
        "comments",
        "text",
        "verbatim",
        "feedback",
        "review",
        "why",
        "комментарий",
        "коментар",
        "отзыв",
        "відгук",
        "текст",
        "почему",
        "чому",
    ),
    "follow_up": (
        "follow_up",
        "followup",
        "what_to_improve",
        "improve",
        "improvement",
        "suggestion",
        "что улучшить",
        "що покращити",
        "предложение",
        "пропозиція",
    ),
    "language": ("language", "lang", "язык", "мова"),
    "name": (
        "name",
        "full_name",
        "customer_name",
        "client_name",
        "employee_name",
        "фио",
        "піб",
        "имя",
        "ім'я",
        "наименование",
        "назва",
    ),
    "email": ("email", "e-mail", "mail", "электронная почта", "почта", "пошта", "електронна пошта"),
    "phone": ("phone", "phone_number", "telephone", "mobile", "tel", "телефон", "мобильный"),
    "segment": ("segment", "customer_segment", "tier", "сегмент", "группа", "група"),
    "first_seen": (
        "first_seen",
        "first_purchase",
        "first_purchase_date",
        "signup_date",
        "registration_date",
        "registered",
        "created_at",
        "customer_since",
        "join_date",
        "дата регистрации",
        "дата реєстрації",
        "дата первой покупки",
        "дата першої покупки",
    ),
    "churned": (
        "churned",
        "churn",
        "is_churned",
        "churn_flag",
        "exited",
        "attrition",
        "ушел",
        "отток",
        "відтік",
        "пішов",
    ),
    "churned_at": (
        "churned_at",
        "churn_date",
        "date_churned",
        "дата ухода",
        "дата оттока",
        "дата відтоку",
    ),
    "position": (
        "position",
        "job_role",
        "jobrole",
        "job_title",
        "title",
        "role",
        "должность",
        "посада",
    ),
    "hired": (
        "hired",
        "hire_date",
        "hired_at",
        "date_hired",
        "start_date",
        "дата приема",
        "дата прийому",
        "дата найма",
    ),
    "left": (
        "left",
        "left_at",
        "termination_date",
        "date_left",
        "дата увольнения",
        "дата звільнення",
    ),
}

# Kind-specific extras: in an employee file "ID" and "EmployeeNumber" are the employee id.
EXTRA_SYNONYMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("employees", "employee_id"): (
        "employeenumber",
        "employee_number",
        "табельный номер",
        "табельний номер",
        "id",
    ),
    ("customers", "customer_id"): ("id",),
    ("transactions", "transaction_id"): ("id",),
}

_DATE_WORDS = ("date", "дата")


def normalise(header: str) -> str:
    """The comparison form of a header: lower case, letters and digits only."""
    return re.sub(r"[\W_]+", "", header.lower().replace("ё", "е"))


def synonyms(kind: str, field: str) -> tuple[str, ...]:
    return SYNONYMS.get(field, ()) + EXTRA_SYNONYMS.get((kind, field), ())


def recognise(
    kind: str, headers: list[str], mapping: dict[str, str] | None = None
) -> tuple[dict[str, str], list[str]]:
    """Map canonical fields to source headers.

    Returns ``(column_map, problems)``: ``column_map`` is field → header; ``problems`` are
    messages about a mapping that names an unknown field or a header the file lacks.
    """
    fields = [f.name for f in FIELDS[kind]]
    problems: list[str] = []
    column_map: dict[str, str] = {}
    used: set[str] = set()
    by_norm: dict[str, str] = {}
    for h in headers:
        by_norm.setdefault(normalise(h), h)

    disabled: set[str] = set()
    for field, header in (mapping or {}).items():
        if field not in fields:
            problems.append(
                f"the mapping names {field!r}, which a {kind} file does not have; "
                f"fields: {', '.join(fields)}"
            )
            continue
        if not header:  # an empty mapping switches recognition of that field off
            disabled.add(field)
            continue
        found = header if header in headers else by_norm.get(normalise(header))
        if found is None:
            problems.append(
                f'the mapping sends {field} to column "{header}", which the file does not '
                f"have; columns found: {_quoted(headers)}"
            )
            continue
        column_map[field] = found
        used.add(found)

    for field in fields:
        if field in column_map or field in disabled:
            continue
        for syn in synonyms(kind, field):
            h = by_norm.get(normalise(syn))
            if h is not None and h not in used:
                column_map[field] = h
                used.add(h)
                break

    if "at" in fields and "at" not in column_map and "at" not in disabled:
        dated = [
            h for h in headers if h not in used and any(w in normalise(h) for w in _DATE_WORDS)
        ]
        if len(dated) == 1:
            column_map["at"] = dated[0]
    return column_map, problems


def _quoted(headers: list[str]) -> str:
    return ", ".join(f'"{h}"' for h in headers)
