"""Small generated files: encodings, delimiters, XLSX, JSON, dates, numbers and rejections."""

from __future__ import annotations

import datetime as dt
import gzip
import json

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxray.errors import InvalidInputError
from cxray.ingest import ImportRejected, import_file, parse_file

WS = "ws"

RU_CSV = (
    "Код клиента;Дата;Сумма;Филиал;Комментарий\r\n"
    "K-001;31.12.2024;1 234,56;Киев;первый\r\n"
    'K-002;01.02.2025 14:30;99,9 ₽;Львов;"в кавычках; с точкой с запятой"\r\n'
    "K-003;15.03.2025;\u00a0500\u00a0;Киев;\r\n"
)


def test_cp1251_semicolon_decimal_comma(tmp_path, store):
    path = tmp_path / "продажи.csv"
    path.write_bytes(RU_CSV.replace("₽", "руб.").encode("cp1251"))
    parsed = parse_file("transactions", path, workspace=WS)
    assert parsed.errors == []
    assert parsed.details["encoding"] == "cp1251"
    assert parsed.details["delimiter"] == ";"
    assert parsed.column_map == {
        "customer_id": "Код клиента",
        "at": "Дата",
        "amount": "Сумма",
        "unit_id": "Филиал",
    }
    rows = parsed.table.to_pylist()
    assert [r["amount"] for r in rows] == [1234.56, 99.9, 500.0]
    assert rows[1]["at"] == dt.datetime(2025, 2, 1, 14, 30)
    assert rows[0]["unit_id"] == "Киев"
    assert import_file(store, "transactions", path, workspace=WS).stored == 3


def test_utf8_bom_and_currency(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + RU_CSV.encode("utf-8"))
    parsed = parse_file("transactions", path, workspace=WS)
    assert parsed.errors == []
    assert parsed.details["encoding"] == "utf-8"
    assert parsed.column_map["customer_id"] == "Код клиента"  # no BOM glued to the header
    assert parsed.table.column("amount").to_pylist() == [1234.56, 99.9, 500.0]


def test_gzip_tab_separated(tmp_path):
    path = tmp_path / "t.tsv.gz"
    text = "client\tdate\tqty\tprice\n1\t2024-05-01 10:00:00\t2\t2.50\n2\t2024-05-02\t1\t10\n"
    path.write_bytes(gzip.compress(text.encode()))
    parsed = parse_file("transactions", path, workspace=WS)
    assert parsed.errors == []
    assert parsed.table.column("amount").to_pylist() == [5.0, 10.0]


def test_xlsx_with_excel_dates(tmp_path, store):
    path = tmp_path / "Відгуки.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Клієнт", "Дата", "Оцінка", "Відгук", "Філія"])
    ws.append([1001, dt.datetime(2024, 3, 5, 9, 15), 9, "Все добре", "Київ"])
    ws.append([1002, dt.datetime(2024, 3, 6), 3, "Довго чекав", "Львів"])
    ws.append([None, None, None, None, None])  # an empty row is dropped
    ws.append([1003, "07.03.2024", "10", None, "Київ"])
    wb.save(path)
    result = import_file(store, "feedback", path, workspace=WS)
    assert result.stored == 3
    rows = store.raw.execute(
        'SELECT customer_id, "at", score, comment, unit_id, metric, scale_max FROM responses '
        'ORDER BY "at"'
    ).fetchall()
    assert rows[0] == ("1001", dt.datetime(2024, 3, 5, 9, 15), 9.0, "Все добре", "Київ", "nps", 10)
    assert rows[2][:3] == ("1003", dt.datetime(2024, 3, 7), 10.0)


def test_json_array_and_lines(tmp_path):
    records = [
        {"customer_id": "a", "date": "2024-01-02", "channel": "phone", "stage": "Support"},
        {"customer_id": "b", "date": "2024-01-03", "channel": "chat", "extra": {"x": 1}},
    ]
    array = tmp_path / "i.json"
    array.write_text(json.dumps(records))
    lines = tmp_path / "i.jsonl"
    lines.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    a = parse_file("interactions", array, workspace=WS)
    b = parse_file("interactions", lines, workspace=WS)
    assert a.errors == [] and b.errors == []
    assert a.table.column("touchpoint_id").to_pylist() == ["Support", None]
    # The same content in another format gets the same row keys.
    assert a.table.column("row_key").to_pylist() == b.table.column("row_key").to_pylist()


AMBIGUOUS = "customer,date,amount\nc1,03/04/2024,10\nc2,05/06/2024,20\n"


def test_ambiguous_slash_dates_need_date_order(tmp_path, store):
    path = tmp_path / "amb.csv"
    path.write_text(AMBIGUOUS)
    with pytest.raises(ImportRejected) as info:
        import_file(store, "transactions", path, workspace=WS)
    message = str(info.value)
    assert "03/04/2024" in message and "date_order" in message and "--date-order" in message
    assert store.count("transactions", WS) == 0

    mdy = parse_file("transactions", path, workspace=WS, date_order="MDY")
    assert mdy.table.column("at").to_pylist()[0] == dt.datetime(2024, 3, 4)
    dmy = parse_file("transactions", path, workspace=WS, date_order="dmy")
    assert dmy.table.column("at").to_pylist()[0] == dt.datetime(2024, 4, 3)


def test_slash_dates_proved_month_first(tmp_path):
    path = tmp_path / "us.csv"
    path.write_text("customer,date,amount\nc1,03/04/2024 1:05 PM,10\nc2,12/31/2024,20\n")
    parsed = parse_file("transactions", path, workspace=WS)
    assert parsed.errors == []
    assert parsed.table.column("at").to_pylist() == [
        dt.datetime(2024, 3, 4, 13, 5),
        dt.datetime(2024, 12, 31),
    ]


BAD = (
    "Клиент;Дата;Оценка;Комментарий\n"
    "1;01.02.2024;9;ok\n"
    "2;31.13.2024;7;bad date\n"
    "3;03.02.2024;10;ok\n"
    "4;04.02.2024;десять;bad score\n"
    "5;05.02.2024;11;out of range\n"
)


def test_bad_rows_reject_the_whole_file(tmp_path, store, data_dir):
    import_file(store, "feedback", data_dir / "nps_verbatims" / "nps_verbatims.csv", workspace=WS)
    before = store.count("responses", WS)
    path = tmp_path / "feedback.csv"
    path.write_text(BAD, encoding="utf-8")
    with pytest.raises(ImportRejected) as info:
        import_file(store, "feedback", path, workspace=WS)
    assert isinstance(info.value, InvalidInputError)
    errors = info.value.errors
    assert [(e.row, e.column, e.value) for e in errors] == [
        (3, "Дата", "31.13.2024"),
        (5, "Оценка", "десять"),
        (6, "Оценка", "11"),
    ]
    message = str(info.value)
    assert message.startswith(
        "cannot import feedback.csv: 3 rows have problems, nothing was stored"
    )
    assert 'row 3, column "Дата": "31.13.2024" is not a date (expected DD.MM.YYYY' in message
    assert 'row 5, column "Оценка": "десять" is not a number from 0 to 10' in message
    assert "header is row 1" in message
    assert store.count("responses", WS) == before


def test_error_list_is_capped_in_the_message(tmp_path):
    path = tmp_path / "many.csv"
    path.write_text(
        "customer,date,amount\n" + "".join(f"c{i},2024-01-01,x{i}\n" for i in range(80))
    )
    parsed = parse_file("transactions", path, workspace=WS)
    assert len(parsed.errors) == 80
    report = parsed.error_report()
    assert "... and 30 more" in report
    assert report.count("is not a number") == 50


def test_missing_required_column(tmp_path):
    path = tmp_path / "nocust.csv"
    path.write_text("Дата,Сумма\n01.01.2024,10\n")
    parsed = parse_file("transactions", path, workspace=WS)
    assert len(parsed.errors) == 1
    msg = parsed.errors[0].message
    assert "customer_id" in msg and '"Дата", "Сумма"' in msg and '--map customer_id="' in msg
    with pytest.raises(ImportRejected):
        import_file(None, "transactions", path, workspace=WS)  # type: ignore[arg-type]


def test_explicit_mapping_overrides(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("Who,When,HowMuch,client\nw1,2024-01-01,5,ignored\n")
    parsed = parse_file(
        "transactions",
        path,
        workspace=WS,
        mapping={"customer_id": "who", "at": "When", "amount": "HowMuch"},
    )
    assert parsed.errors == []
    assert parsed.table.column("customer_id").to_pylist() == ["w1"]
    bad = parse_file("transactions", path, workspace=WS, mapping={"colour": "Who"})
    assert "colour" in bad.errors[0].message and bad.errors[0].row is None


def test_cleaning_rules_and_repeated_rows(tmp_path, store):
    path = tmp_path / "tx.csv"
    path.write_text(
        "InvoiceNo,CustomerID,InvoiceDate,Quantity,UnitPrice\n"
        "1,c1,2024-01-01 10:00,2,1.5\n"
        "1,c1,2024-01-01 10:00,2,1.5\n"  # a genuine repeat: kept
        "C2,c1,2024-01-02,-2,1.5\n"
        "3,,2024-01-03,1,1\n"
        "4,c2,2024-01-04,0,1\n"
        "5,c2,not a date,x,1\n"  # invalid, but a row with no problems elsewhere would pass
    )
    parsed = parse_file("transactions", path, workspace=WS)
    assert parsed.skipped == {"cancelled": 1, "no customer id": 1, "return or zero quantity": 1}
    assert {(e.row, e.column) for e in parsed.errors} == {(7, "InvoiceDate"), (7, "Quantity")}
    path.write_text("\n".join(path.read_text().splitlines()[:-1]) + "\n")
    first = import_file(store, "transactions", path, workspace=WS)
    assert first.stored == 2
    assert import_file(store, "transactions", path, workspace=WS).stored == 0


def test_customers_booleans_and_duplicates(tmp_path, store):
    path = tmp_path / "c.csv"
    path.write_text(
        "ID клиента;Ушел;Сегмент;Тариф\n1;да;VIP;A\n2;нет;;B\n1;так;VIP;C\n3;может;;D\n"
    )
    parsed = parse_file("customers", path, workspace=WS)
    assert [(e.row, e.value) for e in parsed.errors] == [(5, "может")]
    path.write_text("ID клиента;Ушел;Сегмент;Тариф\n1;да;VIP;A\n2;нет;;B\n1;так;VIP;C\n")
    result = import_file(store, "customers", path, workspace=WS)
    assert result.stored == 2
    assert any("last row" in w for w in result.warnings)
    rows = store.raw.execute(
        "SELECT customer_id, churned, segment, attributes FROM customers ORDER BY 1"
    ).fetchall()
    assert rows == [("1", True, "VIP", '{"Тариф":"C"}'), ("2", False, None, '{"Тариф":"B"}')]


def test_defaults_set_the_metric(tmp_path):
    path = tmp_path / "csat.csv"
    path.write_text("score,comment\n5,great\n1,bad\n")
    parsed = parse_file("feedback", path, workspace=WS, defaults={"metric": "csat"})
    assert parsed.errors == []
    assert set(parsed.table.column("metric").to_pylist()) == {"csat"}
    assert parsed.table.column("scale_max").to_pylist() == [5, 5]
    wrong = parse_file("feedback", path, workspace=WS, defaults={"metric": "ces"})
    assert wrong.errors == []  # 1 and 5 fit CES 1-7 as well
    nps_text = tmp_path / "n.csv"
    nps_text.write_text("score,metric\n0,csat\n")
    assert "from 1 to 5" in parse_file("feedback", nps_text, workspace=WS).errors[0].message


def test_unknown_kind_and_missing_file(tmp_path):
    with pytest.raises(InvalidInputError):
        parse_file("orders", tmp_path / "x.csv", workspace=WS)
    with pytest.raises(InvalidInputError):
        parse_file("customers", tmp_path / "x.csv", workspace=WS)


@settings(max_examples=40, deadline=None)
@given(
    st.decimals(min_value=-(10**7), max_value=10**7, places=2, allow_nan=False),
    st.sampled_from(["comma", "dot"]),
)
def test_decimal_numbers_round_trip(tmp_path_factory, value, style):
    grouped = f"{value:,.2f}"  # 1,234,567.89
    if style == "comma":
        text = grouped.replace(",", " ").replace(".", ",")  # 1 234 567,89
        sep = ";"
    else:
        text = grouped
        sep = "\t"
    path = tmp_path_factory.mktemp("n") / "n.csv"
    path.write_text(f"customer{sep}date{sep}amount\nc{sep}2024-01-01{sep}{text}\n")
    parsed = parse_file("transactions", path, workspace=WS)
    assert parsed.errors == []
    assert parsed.table.column("amount").to_pylist() == [float(value)]


def test_a_nul_in_the_header_names_the_file_and_the_header_row(tmp_path):
    path = tmp_path / "visits.csv"
    path.write_bytes(b"customer_id,\x00\nK-1,x\n")
    with pytest.raises(InvalidInputError) as info:
        parse_file("interactions", path, workspace=WS)
    message = str(info.value)
    assert "visits.csv, row 1 (the header)" in message and "NUL character" in message


@pytest.mark.parametrize(("key", "what"), [("", "empty"), ("a\x00b", "NUL character")])
def test_a_json_field_without_a_usable_name_names_the_file_and_the_row(tmp_path, key, what):
    path = tmp_path / "people.json"
    path.write_text(json.dumps([{"customer_id": "K-1"}, {"customer_id": "K-2", key: "x"}]))
    with pytest.raises(InvalidInputError) as info:
        parse_file("customers", path, workspace=WS)
    message = str(info.value)
    assert "people.json, row 2" in message and what in message
