import datetime as dt

import pandas as pd
import pytest

from cxray.demo import DemoCompany, generate

END = dt.date(2025, 6, 30)


@pytest.fixture(scope="session")
def company() -> DemoCompany:
    """The full-size demo (20,000 patients): planted truths are checked at this size."""
    return generate(seed=7, n_patients=20_000, end=END)


@pytest.fixture(scope="session")
def small() -> DemoCompany:
    return generate(seed=3, n_patients=2_000, end=END)


@pytest.fixture(scope="session")
def frames(company: DemoCompany) -> dict[str, pd.DataFrame]:
    return {name: t.to_pandas() for name, t in company.tables().items()}
