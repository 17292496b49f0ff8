"""SQL that turns text cells into dates, numbers and booleans, and decides formats per column.

Everything here builds DuckDB SQL over VARCHAR columns: the whole column is converted in one
vectorised pass, and a value that does not convert becomes NULL, which the caller turns into
a row error. A format is decided once per column from all its values, never per cell, so a
column cannot silently mix 03/04 as 3 April in one row and 4 March in another.

Dates: ``YYYY-MM-DD``, ``YYYY/MM/DD``, ``DD.MM.YYYY`` (or ``YY``), ``DD/MM/YYYY`` or
``MM/DD/YYYY`` (also with ``-``), each with an optional time ``HH:MM[:SS]`` and AM/PM. For
slash dates the order is proved by a part above 12; when every value fits both orders and the
caller gave no ``date_order``, that is an error that asks for one. Dotted dates are
day-first unless the values or ``date_order`` say otherwise.

Numbers: spaces, NBSP, apostrophes and currency signs are stripped. Whether ``,`` or ``.`` is
the decimal separator is decided per column from values that can only be read one way
("12,5", "0.75", "1.234,50"); a column of only ambiguous values ("1,234") follows the file's
locale hint (``;``-delimited or Windows-1251 files are decimal-comma).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from cxray.errors import InvalidInputError

DATE_ORDERS = ("DMY", "MDY", "YMD")


_DATE_RE = (
    r"^(\d{1,4})([./-])(\d{1,2})[./-](\d{1,4})"
    r"(?:(?:[ T]+|,\s*)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*([AaPp][Mm])?)?$"
)
_DATE_PARTS = "['p1', 'sep', 'p2', 'p3', 'hh', 'mi', 'ss', 'ampm']"

_CURRENCY_RE = r"[\s\x{00a0}\x{202f}'’`$€£₽₴¥]|(?i:руб|грн|rub|uah|usd|eur|gbp)\.?|(?i:р\.)"
_NUMBER_RE = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"

_TRUE = ("yes", "y", "true", "t", "1", "да", "д", "так", "churned", "left", "ушел", "пішов")
_FALSE = ("no", "n", "false", "f", "0", "нет", "н", "ні", "стоп", "stayed", "active")


def lit(text: str) -> str:
    """A SQL string literal (DuckDB literals take backslashes as they are)."""
    return "'" + text.replace("'", "''") + "'"


def trimmed(col: str) -> str:
    """The cell as text, with padding removed and empty cells as NULL."""
    return f"nullif(trim({col}), '')"


# --- numbers -------------------------------------------------------------------------------
def number_clean(v: str) -> str:
    """The text without spaces and currency signs (the regexp only runs where needed)."""
    return (
        f"(CASE WHEN regexp_full_match({v}, '[0-9.,+-]*') THEN {v} "
        f"ELSE regexp_replace({v}, {lit(_CURRENCY_RE)}, '', 'g') END)"
    )


def decimal_mode(con: duckdb.DuckDBPyConnection, table: str, v: str, comma_hint: bool) -> str:
    """``comma``, ``dot`` or ``mixed`` for the number column ``v`` of ``table``."""
    comma_ev = r"',\d{1,2}$|,\d{4,}$|^[+-]?0,\d|\.\d{3},\d'"
    dot_ev = r"'\.\d{1,2}$|\.\d{4,}$|^[+-]?0\.\d|,\d{3}\.\d'"
    # Plain integers say nothing about the separator: only the other values are cleaned.
    row = con.execute(
        f"SELECT count_if(regexp_matches(c, {comma_ev})), count_if(regexp_matches(c, {dot_ev})) "
        f"FROM (SELECT {number_clean(v)} AS c FROM {table} "
        f"WHERE NOT regexp_full_match({v}, '[+-]?\\d+'))"
    ).fetchone()
    comma, dot = (int(row[0] or 0), int(row[1] or 0)) if row else (0, 0)
    if comma and dot:
        return "mixed"
    if comma:
        return "comma"
    if dot:
        return "dot"
    return "comma" if comma_hint else "dot"


def number_parse(v: str, mode: str) -> str:
    """A DOUBLE from the cell text ``v``, or NULL when it is not a number.

    Plain values ("12", "-3.5" in a dot column) take a fast cast; only the others go
    through cleaning (CASE evaluates a branch only for the rows that reach it).
    """
    slow = _number_slow(number_clean(v), mode)
    fast = f"WHEN regexp_full_match({v}, '[+-]?\\d+') THEN CAST({v} AS DOUBLE)"
    if mode == "dot":
        fast += f" WHEN regexp_full_match({v}, '[+-]?\\d*\\.\\d+') THEN CAST({v} AS DOUBLE)"
    elif mode == "comma":
        fast += (
            f" WHEN regexp_full_match({v}, '[+-]?\\d*,\\d+') "
            f"THEN CAST(replace({v}, ',', '.') AS DOUBLE)"
        )
    return f"(CASE {fast} ELSE {slow} END)"


def _number_slow(cleaned: str, mode: str) -> str:
    as_comma = f"replace(replace({cleaned}, '.', ''), ',', '.')"
    as_dot = f"replace({cleaned}, ',', '')"
    if mode == "comma":
        s = as_comma
    elif mode == "dot":
        s = as_dot
    else:  # the last separator in the value is the decimal one
        s = f"CASE WHEN regexp_matches({cleaned}, ',\\d*$') THEN {as_comma} ELSE {as_dot} END"
    return f"(CASE WHEN regexp_matches({s}, '{_NUMBER_RE}') THEN TRY_CAST({s} AS DOUBLE) END)"


# --- booleans ------------------------------------------------------------------------------
def bool_parse(v: str) -> str:
    t = ", ".join(f"'{x}'" for x in _TRUE)
    f = ", ".join(f"'{x}'" for x in _FALSE)
    low = f"lower({v})"
    return f"(CASE WHEN {low} IN ({t}) THEN true WHEN {low} IN ({f}) THEN false END)"


BOOL_HINT = "use yes/no, true/false, 1/0, да/нет or так/ні"


# --- dates ---------------------------------------------------------------------------------
def date_struct(v: str, fmt: DateFormat) -> str:
    """The parts of a day-month-year style date, to be read by :func:`date_parse`.

    NULL for ISO values and values of the column's usual shape, which are parsed directly:
    the capturing regexp is the costly part.
    """
    skip = f"regexp_matches({v}, '^\\d{{4}}-')"
    if fmt.fast:
        skip += f" OR regexp_full_match({v}, '{fmt.fast[0]}')"
    return f"(CASE WHEN NOT ({skip}) THEN regexp_extract({v}, '{_DATE_RE}', {_DATE_PARTS}) END)"


# Shapes (digits as 9) that one strptime format reads, for the fast path. The order of day
# and month is filled in from the column's decided order.
_SHAPES = {
    "99{s}99{s}9999": "{a}{s}{b}{s}%Y",
    "99{s}99{s}9999 99:99": "{a}{s}{b}{s}%Y %H:%M",
    "99{s}99{s}9999 99:99:99": "{a}{s}{b}{s}%Y %H:%M:%S",
}


def _fast_path(
    con: duckdb.DuckDBPyConnection, table: str, v: str, dot_order: str, slash_order: str
) -> tuple[str, str] | None:
    """The shape most of the first values share, and the strptime format that reads it."""
    row = con.execute(
        f"SELECT regexp_replace({v}, '[0-9]', '9', 'g') AS sig, count(*) AS n FROM "
        f"(SELECT {v} FROM {table} WHERE {v} IS NOT NULL LIMIT 1000) "
        "GROUP BY sig ORDER BY n DESC LIMIT 1"
    ).fetchone()
    if not row:
        return None
    for sep, order in ((".", dot_order), ("/", slash_order), ("-", slash_order)):
        a, b = ("%d", "%m") if order == "DMY" else ("%m", "%d")
        for shape, fmt in _SHAPES.items():
            if row[0] == shape.format(s=sep):
                pattern = shape.format(s=sep).replace("9", "\\d").replace(".", "\\.")
                return pattern, fmt.format(s=sep, a=a, b=b)
    return None


@dataclass(frozen=True)
class DateFormat:
    dot_order: str  # DMY | MDY for 31.12.2024
    slash_order: str  # DMY | MDY for 12/31/2024
    label: str  # what the user should write, for messages: DD.MM.YYYY
    ambiguous: int  # slash values that fit both orders, when the order could not be decided
    iso_only: bool = False  # every value is ISO: a plain cast reads them all
    fast: tuple[str, str] | None = None  # (shape regexp, strptime format) of most values


def detect_date_format(
    con: duckdb.DuckDBPyConnection, table: str, v: str, date_order: str | None
) -> DateFormat:
    """Decide the day/month order of one column from all of its values."""
    if date_order is not None and date_order not in DATE_ORDERS:
        raise InvalidInputError(
            f"date_order must be one of {', '.join(DATE_ORDERS)}, not {date_order!r}"
        )
    row = con.execute(
        f"""
        WITH p AS (
          SELECT regexp_extract({v}, '^(\\d{{1,2}})([./-])(\\d{{1,2}})[./-]\\d{{2,4}}',
                                ['a', 'sep', 'b']) AS d,
                 regexp_matches({v}, '^\\d{{4}}[-/.]\\d') AS ymd,
                 regexp_matches({v}, '^\\d{{4}}-\\d{{1,2}}-\\d{{1,2}}') AS iso
          FROM {table} WHERE {v} IS NOT NULL
        ), q AS (
          SELECT d.sep = '.' AS dot, d.sep IN ('/', '-') AS slash, ymd, iso,
                 TRY_CAST(d.a AS INT) AS a, TRY_CAST(d.b AS INT) AS b FROM p
        )
        SELECT count_if(dot), count_if(dot AND a > 12), count_if(dot AND b > 12),
               count_if(slash), count_if(slash AND a > 12), count_if(slash AND b > 12),
               count_if(ymd), count_if(iso), count(*)
        FROM q
        """
    ).fetchone()
    n_dot, dot_a, dot_b, n_slash, sl_a, sl_b, n_ymd, n_iso, n_all = (
        int(x or 0) for x in (row or (0,) * 9)
    )
    explicit = date_order if date_order in ("DMY", "MDY") else None

    def decide(a_big: int, b_big: int) -> str | None:
        if explicit:
            return explicit
        if a_big or b_big:  # a part above 12 proves the order; the majority wins a conflict
            return "DMY" if a_big >= b_big else "MDY"
        return None

    dot_order = decide(dot_a, dot_b) or "DMY"
    slash_order = decide(sl_a, sl_b) if n_slash else None
    ambiguous = n_slash if n_slash and slash_order is None else 0
    if n_ymd and n_ymd >= max(n_dot, n_slash):
        label = "YYYY-MM-DD"
    elif n_dot >= n_slash:
        label = "DD.MM.YYYY" if dot_order == "DMY" else "MM.DD.YYYY"
    else:
        label = "MM/DD/YYYY" if slash_order == "MDY" else "DD/MM/YYYY"
    fast = _fast_path(con, table, v, dot_order, slash_order or "DMY") if not ambiguous else None
    return DateFormat(dot_order, slash_order or "DMY", label, ambiguous, n_iso == n_all, fast)


def date_parse(v: str, parts: str, fmt: DateFormat) -> str:
    """A TIMESTAMP from the text ``v`` and its :func:`date_struct` ``parts``, or NULL."""

    def order_expr(order: str) -> tuple[str, str]:
        return (f"{parts}.p1", f"{parts}.p2") if order == "DMY" else (f"{parts}.p2", f"{parts}.p1")

    dd_dot, mm_dot = order_expr(fmt.dot_order)
    dd_sl, mm_sl = order_expr(fmt.slash_order)
    ymd = f"length({parts}.p1) = 4"
    dot = f"{parts}.sep = '.'"
    day = f"CASE WHEN {ymd} THEN {parts}.p3 WHEN {dot} THEN {dd_dot} ELSE {dd_sl} END"
    month = f"CASE WHEN {ymd} THEN {parts}.p2 WHEN {dot} THEN {mm_dot} ELSE {mm_sl} END"
    year = (
        f"CASE WHEN {ymd} THEN {parts}.p1::INT WHEN length({parts}.p3) = 2 "
        f"THEN 2000 + {parts}.p3::INT WHEN length({parts}.p3) = 4 THEN {parts}.p3::INT END"
    )
    hour = (
        f"CASE WHEN {parts}.hh = '' THEN 0 WHEN lower({parts}.ampm) = 'pm' "
        f"THEN {parts}.hh::INT % 12 + 12 WHEN lower({parts}.ampm) = 'am' "
        f"THEN {parts}.hh::INT % 12 ELSE {parts}.hh::INT END"
    )
    minute = f"CASE WHEN {parts}.mi = '' THEN 0 ELSE {parts}.mi::INT END"
    second = f"CASE WHEN {parts}.ss = '' THEN 0 ELSE {parts}.ss::INT END"
    dmy = (
        f"try(make_timestamp(({year})::BIGINT, ({month})::BIGINT, ({day})::BIGINT, "
        f"({hour})::BIGINT, ({minute})::BIGINT, ({second})::DOUBLE))"
    )
    fast = ""
    if fmt.fast:
        shape, strp = fmt.fast
        fast = f"WHEN regexp_full_match({v}, '{shape}') THEN try_strptime({v}, '{strp}')"
    # ISO timestamps (also with T, fractions, offsets) are DuckDB's own format: cast them.
    return (
        f"(CASE WHEN regexp_matches({v}, '^\\d{{4}}-\\d{{1,2}}-\\d{{1,2}}') "
        f"THEN TRY_CAST({v} AS TIMESTAMP) {fast} WHEN {parts}.p1 <> '' THEN {dmy} END)"
    )
