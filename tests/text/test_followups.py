"""Follow-up answers grouped by theme (cxray.text.followups)."""

from __future__ import annotations

import pandas as pd
import pytest

from cxray.text.followups import Group, group_follow_ups

FOLLOW_UPS = [
    ("Меньше ждать в очереди.", "ru", "Семьи", "reception"),
    ("Принимать вовремя, без задержек.", "ru", "Семьи", "consultation"),
    ("Чекати менше, приймати вчасно.", "uk", "Семьи", "reception"),
    ("Shorter waiting times.", "en", "ДМС", "reception"),
    ("Снизить цены на анализы.", "ru", "ДМС", "results"),
    ("Знизити ціни.", "uk", "Разовые", "consultation"),
    ("Lower prices.", "en", "Разовые", None),
    ("Сделать скидки постоянным клиентам.", "ru", "Семьи", None),
    ("Вежливее администраторы.", "ru", "Разовые", "reception"),
    ("Ввічливіший персонал на рецепції.", "uk", "ДМС", "reception"),
] + [
    (t, lg, "Семьи", "consultation")
    for t, lg in [
        ("Работать по воскресеньям.", "ru"),
        ("Работать в выходные.", "ru"),
        ("Працювати в неділю.", "uk"),
        ("Працювати у вихідні.", "uk"),
        ("Open on Sundays.", "en"),
        ("Open at weekends.", "en"),
        ("Больше узких специалистов.", "ru"),
        ("Больше детских врачей.", "ru"),
        ("Більше вузьких спеціалістів.", "uk"),
        ("Більше дитячих лікарів.", "uk"),
        ("More specialists.", "en"),
        ("More paediatricians.", "en"),
    ]
]


def test_group_follow_ups_taxonomy_first_then_discovered() -> None:
    df = pd.DataFrame(FOLLOW_UPS, columns=["text", "language", "segment", "touchpoint"])
    groups = group_follow_ups(df, min_cluster=3)
    kinds = [g.kind for g in groups]
    assert kinds == sorted(kinds, key=["taxonomy", "discovered", "other"].index)
    by_theme = {g.theme: g for g in groups if g.kind == "taxonomy"}
    assert by_theme["waiting_time"].count == 4
    assert by_theme["waiting_time"].label == "Waiting time"
    assert by_theme["waiting_time"].share == pytest.approx(4 / len(FOLLOW_UPS), abs=1e-4)
    assert by_theme["waiting_time"].by_segment == {"Семьи": 3, "ДМС": 1}
    assert by_theme["waiting_time"].by_touchpoint == {"reception": 3, "consultation": 1}
    assert by_theme["price"].count == 4
    assert by_theme["staff_attitude"].count == 2
    discovered = [g for g in groups if g.kind == "discovered"]
    assert sum(g.count for g in discovered) == 12
    for g in discovered:  # quotes keep their language
        assert all(q in df["text"].tolist() for q in g.quotes)
    assert group_follow_ups([], min_cluster=3) == []
    ru = group_follow_ups(df.head(10).to_dict("records"), ui_language="ru", min_cluster=3)
    assert {g.label for g in ru if g.kind == "taxonomy"} >= {"Время ожидания", "Цена"}
    assert ru[-1].kind == "taxonomy"  # nothing left over for discovery or "other"


def test_repeated_answers_count_every_time() -> None:
    rows = [{"text": "Меньше ждать в очереди.", "language": "ru", "segment": "A"}] * 3 + [
        {"text": "Lower prices.", "language": "en", "segment": "B"},
        {"text": "Lower prices.", "segment": "B"},  # no language: detected
        {"text": "   "},  # blank answers are dropped
        {"text": None},
    ]
    groups = group_follow_ups(rows, min_cluster=3)
    assert all(isinstance(g, Group) for g in groups)
    by_theme = {g.theme: g for g in groups}
    assert by_theme["waiting_time"].count == 3
    assert by_theme["waiting_time"].members == (0, 1, 2)
    assert by_theme["waiting_time"].quotes == ("Меньше ждать в очереди.",)  # no duplicates
    assert by_theme["price"].count == 2
    assert by_theme["price"].share == pytest.approx(2 / 5)
    assert by_theme["price"].by_segment == {"B": 2}
