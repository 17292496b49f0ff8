"""Import the files CX teams really have: CSV, XLSX and JSON exports, in Russian, Ukrainian
or English, into the canonical analytic tables.

Kinds: ``customers``, ``transactions``, ``interactions``, ``feedback`` (stored in
``responses``) and ``employees``. A file is read as text (CSV through DuckDB), its columns are
recognised from their headers (:mod:`cxray.ingest.headers`), then converted and validated in
DuckDB SQL (:mod:`cxray.ingest.convert`, :mod:`cxray.ingest.pipeline`). Any invalid cell
rejects the whole file with a message that names the row, the column and the fix.

Cleaning rules: rows deliberately left out and reported in ``skipped`` (not errors):

* every kind with a customer id (customers, transactions, interactions): a row with no
  customer id is skipped as ``"no customer id"`` (anonymous purchases and visits);
* employees: a row with no employee id, ``"no employee id"``;
* transactions: a cancellation, ``"cancelled"``: a transaction id of the form ``C`` + digit
  (Online Retail style) or a status column saying cancelled/canceled/void/отменен/скасовано;
* transactions: quantity ≤ 0, ``"return or zero quantity"``;
* feedback: a response without a score, ``"no score"``.

The first rule that applies names the reason. Transactions without an amount column get
amount = quantity × unit price. Skipped rows are not validated.
"""

from __future__ import annotations

from cxray.ingest.api import import_file, parse_file, store_parsed
from cxray.ingest.fields import KINDS, TARGET_TABLE
from cxray.ingest.model import ImportRejected, ImportResult, ParsedFile, RowError

__all__ = [
    "KINDS",
    "TARGET_TABLE",
    "ImportRejected",
    "ImportResult",
    "ParsedFile",
    "RowError",
    "import_file",
    "parse_file",
    "store_parsed",
]
