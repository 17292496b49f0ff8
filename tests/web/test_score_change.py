"""The change of a score between two periods the user chooses: selector, API, CLI and page."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from django.urls import reverse
from django.utils import translation
from typer.testing import CliRunner

from cxray.cli import app
from cxray.errors import InvalidInputError
from cxray.web.accounts.scope import Scope
from cxray.web.analytics_store import analytics
from cxray.web.dashboards.selectors import (
    parse_period,
    score_change_dict,
    score_change_report,
)

from .conftest import facts

pytestmark = pytest.mark.django_db

BEFORE = (date(2025, 1, 1), date(2025, 3, 31))
AFTER = (date(2025, 4, 1), date(2025, 6, 30))
# (when, channel, score, how many). Promoters answer 10, passives 8, detractors 2.
ANSWERS = [
    # Before: phone 10 promoters, 5 passives, 5 detractors; web the same.
    (datetime(2025, 1, 1, 0, 0), "phone", 10, 10),
    (datetime(2025, 2, 10, 12, 0), "phone", 8, 5),
    (datetime(2025, 3, 5, 9, 0), "phone", 2, 5),
    (datetime(2025, 1, 20, 9, 0), "web", 10, 10),
    (datetime(2025, 2, 20, 9, 0), "web", 8, 5),
    (datetime(2025, 3, 31, 23, 30), "web", 2, 5),  # the last day counts
    # After: phone 12 / 4 / 4, web 16 / 2 / 0, email 2 promoters (in this period only).
    (datetime(2025, 4, 1, 0, 0), "phone", 10, 12),
    (datetime(2025, 5, 1, 9, 0), "phone", 8, 4),
    (datetime(2025, 6, 30, 23, 59), "phone", 2, 4),  # the last day counts
    (datetime(2025, 4, 15, 9, 0), "web", 10, 16),
    (datetime(2025, 5, 15, 9, 0), "web", 8, 2),
    (datetime(2025, 6, 1, 9, 0), "email", 10, 2),
    # Outside both periods by a minute: must not count.
    (datetime(2024, 12, 31, 23, 59), "phone", 10, 5),
    (datetime(2025, 7, 1, 0, 0), "web", 2, 5),
]
# Overall, before: 20 promoters, 10 passives, 10 detractors of 40 -> NPS 25.
#          after:  30 promoters,  6 passives,  4 detractors of 40 -> NPS 65. Difference 40.
# Pooled test (under "no change" both periods share one distribution):
#   p_pro = 50/80 = 0.625, p_det = 14/80 = 0.175,
#   var = p_pro + p_det - (p_pro - p_det)^2 = 0.8 - 0.45^2 = 0.5975,
#   se = 100 * sqrt(0.5975 * (1/40 + 1/40)) = 100 * sqrt(0.029875) = 17.2844,
#   z = 40 / 17.2844 = 2.31423, p = 2 * (1 - Phi(2.31423)) = 0.020655 -> significant.
# Interval (each period's own variance):
#   before var = (0.5 + 0.25 - 0.25^2) / 40 = 0.0171875, after (0.75 + 0.1 - 0.65^2) / 40
#   = 0.0106875; se = 100 * sqrt(0.027875) = 16.6958; 40 -+ 1.959964 * 16.6958 = 7.277 .. 72.723.
# phone: 10/5/5 (NPS 25) -> 12/4/4 (NPS 40), difference 15;
#   p_pro = 22/40 = 0.55, p_det = 9/40 = 0.225, var = 0.775 - 0.325^2 = 0.669375,
#   se = 100 * sqrt(0.669375 * 0.1) = 25.8723, z = 0.57977, p = 0.56207 -> could be chance.
# web: 10/5/5 (NPS 25) -> 16/2/0 of 18 (NPS 88.889), difference 63.889;
#   p_pro = 26/38, p_det = 5/38, var = 0.815789 - 0.552632^2 = 0.510388,
#   se = 100 * sqrt(0.510388 * (1/20 + 1/18)) = 23.2108, z = 2.75255, p = 0.0059134.
# Every channel has fewer than 30 answers in a period: each is flagged as too few to rely on.


@pytest.fixture
def periods(two_companies):
    a, _b = two_companies
    rows = []
    for when, channel, score, count in ANSWERS:
        for _ in range(count):
            i = len(rows)
            rows.append(
                {"workspace": "alpha", "row_key": f"chg{i}", "response_id": f"chg{i}",
                 "customer_id": f"chg-c{i}", "metric": "nps", "score": float(score),
                 "scale_max": 10, "at": when, "channel": channel}
            )  # fmt: skip
    with analytics() as store:
        store.write("responses", facts("responses", rows))
    return a


def test_the_change_overall_and_by_channel_matches_the_hand_computed_test(periods):
    args = {"workspace": periods["ws"], "scope": Scope(), "metric": "nps"}
    overall = score_change_report(**args, before=BEFORE, after=AFTER)[None]
    assert (overall.before.n, overall.after.n) == (40, 40)
    assert (overall.before.value, overall.after.value) == pytest.approx((25.0, 65.0))
    assert overall.difference == pytest.approx(40.0)
    assert overall.p_value == pytest.approx(0.020655, abs=1e-6)
    assert (overall.low, overall.high) == pytest.approx((7.277, 72.723), abs=1e-3)
    assert overall.significant

    report = score_change_dict(**args, before=BEFORE, after=AFTER, by="channel")
    rows = {r["group"]: r for r in report["rows"]}
    assert list(rows) == ["email", "phone", "web"]
    phone, web, email = rows["phone"], rows["web"], rows["email"]
    assert (phone["before"]["value"], phone["after"]["value"], phone["difference"]) == (
        25.0,
        40.0,
        15.0,
    )
    assert phone["p_value"] == pytest.approx(0.56207, abs=1e-5)
    assert phone["significant"] is False
    assert web["difference"] == pytest.approx(63.8889, abs=1e-4)
    assert (web["before"]["n"], web["after"]["n"]) == (20, 18)
    assert web["p_value"] == pytest.approx(0.0059134, abs=1e-7)
    assert web["significant"] is True
    assert not phone["reliable"] and not web["reliable"] and phone["min_n"] == 30
    # Answers in one period only: no change to measure, and never "significant".
    assert (email["before"]["n"], email["after"]["n"]) == (0, 2)
    assert email["difference"] is None and email["p_value"] is None
    assert email["significant"] is False
    assert report["before"] == {"start": BEFORE[0], "end": BEFORE[1]}


@pytest.mark.parametrize(
    ("before", "after", "message"),
    [
        ((date(2025, 3, 31), date(2025, 1, 1)), AFTER, "the before period starts on 2025-03-31"),
        (BEFORE, (date(2025, 3, 15), AFTER[1]), "overlap from 2025-03-15 to 2025-03-31"),
        (AFTER, BEFORE, "comes before the before period"),
    ],
)
def test_wrong_periods_are_refused_with_the_reason(periods, before, after, message):
    with translation.override("en"), pytest.raises(InvalidInputError) as err:
        score_change_report(workspace=periods["ws"], scope=Scope(), before=before, after=after)
    assert message in str(err.value)


def test_bad_dates_metric_and_breakdown_are_refused(periods):
    with translation.override("en"):
        with pytest.raises(InvalidInputError, match="not a period; write it as FROM:TO"):
            parse_period("--before", "2025-01-01")
        with pytest.raises(InvalidInputError, match='"2025-02-30" is not a date'):
            parse_period("--before", "2025-01-01:2025-02-30")
        args = {"workspace": periods["ws"], "scope": Scope(), "before": BEFORE, "after": AFTER}
        with pytest.raises(InvalidInputError, match="cannot compare periods by 'month'"):
            score_change_report(**args, by="month")
        with pytest.raises(InvalidInputError, match="metric 'xyz' is not one of"):
            score_change_report(**args, metric="xyz")


def _api(client, token: str, **params):
    return client.get(
        "/api/v1/reports/change",
        params,
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_the_api_gives_the_change_and_refuses_bad_input(client, periods):
    dates = {"before_from": "2025-01-01", "before_to": "2025-03-31",
             "after_from": "2025-04-01", "after_to": "2025-06-30"}  # fmt: skip
    got = _api(client, periods["token"], metric="nps", by="channel", **dates)
    assert got.status_code == 200, got.content
    body = got.json()
    assert body["before"] == {"start": "2025-01-01", "end": "2025-03-31"}
    rows = {r["group"]: r for r in body["rows"]}
    assert rows["web"]["p_value"] == pytest.approx(0.0059134, abs=1e-7)
    assert rows["phone"]["significant"] is False and rows["web"]["significant"] is True
    overall = _api(client, periods["token"], **dates).json()["rows"]
    assert [(r["group"], r["difference"], r["significant"]) for r in overall] == [
        (None, 40.0, True)
    ]
    assert overall[0]["p_value"] == pytest.approx(0.020655, abs=1e-6)

    bad_day = _api(client, periods["token"], **{**dates, "before_to": "2025-02-30"})
    assert bad_day.status_code == 400
    assert 'before_to "2025-02-30" is not a date' in bad_day.json()["detail"]
    overlap = _api(client, periods["token"], **{**dates, "after_from": "2025-03-01"})
    assert overlap.status_code == 400
    assert "overlap from 2025-03-01 to 2025-03-31" in overlap.json()["detail"]
    by_month = _api(client, periods["token"], **dates, by="month")
    assert by_month.status_code == 400
    # Open-ended periods reach the first and the last representable day.
    widest = _api(client, periods["token"], before_from="0001-01-01", before_to="2025-03-31",
                  after_from="2025-04-01", after_to="9999-12-31")  # fmt: skip
    assert widest.status_code == 200, widest.content
    # Before: the 40 answers plus the 5 promoters of 2024-12-31; after: 40 plus 5 detractors
    # of 2025-07-01, plus alpha's 8 answers of this month (6 promoters, 2 detractors).
    assert [(r["before"]["n"], r["after"]["n"]) for r in widest.json()["rows"]] == [(45, 53)]
    missing = _api(client, periods["token"], before_from="2025-01-01")
    assert missing.status_code == 422
    # The catch-all /reports/{metric} still answers for the metrics themselves.
    nps = client.get("/api/v1/reports/nps", HTTP_AUTHORIZATION=f"Bearer {periods['token']}")
    assert nps.status_code == 200


def test_the_cli_gives_the_same_figures(periods):
    period_args = ["--before", "2025-01-01:2025-03-31", "--after", "2025-04-01:2025-06-30"]
    result = CliRunner().invoke(
        app, ["report", "change", "-w", "alpha", *period_args, "--by", "channel", "--json"]
    )
    assert result.exit_code == 0, result.output
    rows = {r["group"]: r for r in json.loads(result.stdout)["rows"]}
    assert rows["phone"]["difference"] == 15.0
    assert rows["web"]["p_value"] == pytest.approx(0.0059134, abs=1e-7)

    text = CliRunner().invoke(
        app, ["report", "change", "-w", "alpha", *period_args], env={"CXRAY_LANGUAGE": "en"}
    )
    assert text.exit_code == 0, text.output
    assert "NPS: 2025-01-01 … 2025-03-31 → 2025-04-01 … 2025-06-30" in text.output
    assert "25.0 (n=40)  →  65.0 (n=40)" in text.output
    assert "change +40.0 [+7.3, +72.7]  p = 0.021  significant change" in text.output

    by_channel = CliRunner().invoke(
        app, ["report", "change", "-w", "alpha", *period_args, "--by", "channel"],
        env={"CXRAY_LANGUAGE": "en"},
    )  # fmt: skip
    phone = next(line for line in by_channel.output.splitlines() if line.startswith("phone"))
    assert "change +15.0" in phone and "could be chance" in phone
    assert "(n < 30: too few answers to rely on)" in phone
    email = next(line for line in by_channel.output.splitlines() if line.startswith("email"))
    assert "no answers in one of the periods" in email

    bad = CliRunner().invoke(
        app,
        ["report", "change", "-w", "alpha", "--before", "2025-01-01:2025-05-01",
         "--after", "2025-04-01:2025-06-30"],
        env={"CXRAY_LANGUAGE": "en"},
    )  # fmt: skip
    assert isinstance(bad.exception, InvalidInputError)
    assert "overlap from 2025-04-01 to 2025-05-01" in str(bad.exception)


def test_the_scores_page_compares_two_periods_without_javascript(client, periods):
    client.force_login(periods["admin"])
    url = reverse("scores", args=["alpha"])
    first = client.get(url, {"metric": "nps", "by": "unit"}, HTTP_ACCEPT_LANGUAGE="en")
    html = first.content.decode()
    assert first.status_code == 200
    assert "Compare two periods" in html and 'name="before_from"' in html
    assert "could be chance" not in html  # nothing compared before dates are given

    dates = {"before_from": "2025-01-01", "before_to": "2025-03-31",
             "after_from": "2025-04-01", "after_to": "2025-06-30"}  # fmt: skip
    page = client.get(url, {"metric": "nps", "by": "channel", **dates}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    compared = html[html.index('id="compare"') :]
    rows = {
        cells[0]: cells
        for cells in (
            [c.split(">", 1)[1].split("<", 1)[0].strip() for c in tr.split("<td")[1:]]
            for tr in compared.split("<tr")[2:]
        )
    }
    assert set(rows) == {"everyone", "email", "phone", "web"}
    assert rows["everyone"][1:] == ["25.0", "65.0", "+40.0 [7.3 … 72.7]", "0.021",
                                    "significant change"]  # fmt: skip
    assert rows["phone"][3:] == ["+15.0 [-35.5 … 65.5]", "0.562", "could be chance"]
    assert rows["web"][4:] == ["0.006", "significant change"]
    assert rows["email"][3:] == ["—", "—", "no answers in one of the periods"]
    assert 'value="2025-01-01"' in compared  # the form keeps what was asked

    bad = client.get(
        url, {"metric": "nps", **dates, "after_from": "2025-03-01"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert bad.status_code == 400
    assert "overlap from 2025-03-01 to 2025-03-31" in bad.content.decode()
