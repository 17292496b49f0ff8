"""Fixtures for the analytics tests: the shared real data sets, read with pandas."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def _csv(relative: str, **options: object) -> pd.DataFrame:
    path = DATA / relative
    if not path.exists():
        pytest.fail(f"shared data set {path} is not here")
    return pd.read_csv(path, **options)


@pytest.fixture(scope="session")
def nps_verbatims() -> pd.DataFrame:
    """UK telecom NPS survey: NPS_SCORE 0-10 (32 empty), SURVEY_SUB_TYPE = journey stage."""
    df = _csv("nps_verbatims/nps_verbatims.csv")
    df["at"] = pd.to_datetime(df["CUSTOMER_RESPONSE_DATE"], format="%d/%m/%Y %H:%M")
    return df


@pytest.fixture(scope="session")
def airline() -> pd.DataFrame:
    """Airline passenger satisfaction, test split: 1-5 ratings where 0 means not applicable."""
    return _csv("airline_satisfaction/test.csv")
