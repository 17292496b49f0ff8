"""`cxray report drivers --file`: key drivers of a wide table of rating questions.

The data model keeps one score per response (a survey asks one rating question), so a
survey with several rating questions per respondent is analysed from its export instead.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from analytics.test_drivers import RATINGS  # the airline survey's 14 ratings
from typer.testing import CliRunner

from cxray.cli import app
from cxray.errors import CxrayError, InvalidInputError

# mpg, cyl, disp, hp and gear of R's mtcars (Henderson & Velleman 1981), in its row order.
MTCARS = Path(__file__).parent / "analytics" / "mtcars.csv"


def _drivers(*args: str) -> dict:
    result = CliRunner().invoke(app, ["report", "drivers", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("style", ["dot-comma", "excel-ru"])
def test_relative_weights_of_a_file_match_the_published_mtcars_example(tmp_path, style):
    # The rwa package's README (Chan, github.com/martinctc/rwa) publishes, for mpg on cyl,
    # disp, hp and gear: R² 0.7791896 and raw weights 0.2284797, 0.2221469, 0.2321744,
    # 0.0963886 (rescaled 29.32274, 28.50999, 29.79691, 12.37037).
    path = MTCARS
    if style == "excel-ru":  # what Russian Excel writes: ';' between cells, ',' before decimals
        path = tmp_path / "cars.csv"
        path.write_text(MTCARS.read_text().replace(",", ";").replace(".", ","))
    body = _drivers(
        "--file", str(path), "--outcome", "mpg", "--columns", "cyl,disp,hp,gear",
        "--method", "relative_weights", "--boot", "0",
    )  # fmt: skip
    assert (body["method"], body["model"], body["n"]) == ("relative_weights", "linear", 32)
    assert body["r2"] == pytest.approx(0.7791896, abs=5e-8)
    weights = {w["driver"]: (w["weight"], w["share"]) for w in body["weights"]}
    assert weights == {
        "cyl": (pytest.approx(0.2284797, abs=5e-8), pytest.approx(29.32274, abs=5e-6)),
        "disp": (pytest.approx(0.2221469, abs=5e-8), pytest.approx(28.50999, abs=5e-6)),
        "hp": (pytest.approx(0.2321744, abs=5e-8), pytest.approx(29.79691, abs=5e-6)),
        "gear": (pytest.approx(0.0963886, abs=5e-8), pytest.approx(12.37037, abs=5e-6)),
    }
    assert [w["driver"] for w in body["weights"]] == ["hp", "cyl", "disp", "gear"]
    assert sum(w["weight"] for w in body["weights"]) == pytest.approx(body["r2"], abs=1e-12)


def test_online_boarding_drives_airline_satisfaction_through_the_cli(tmp_path, shared_data):
    full = pd.read_csv(shared_data / "airline_satisfaction" / "test.csv")
    sample = full.sample(3000, random_state=0)
    path = tmp_path / "ratings.csv"
    sample.to_csv(path, index=False)
    # 0 = "not applicable": rows with a 0 in any rating are left out.
    usable = int((sample[RATINGS] != 0).all(axis=1).sum())
    assert usable == 2754
    common = ["--file", str(path), "--outcome", "satisfaction", "--columns", ",".join(RATINGS)]
    rw = _drivers(*common, "--na", "0", "--method", "relative_weights", "--boot", "100")
    sh = _drivers(*common, "--na", "0", "--method", "shapley", "--boot", "20")
    assert (rw["method"], rw["model"]) == ("relative_weights", "logistic")
    assert (sh["method"], sh["model"]) == ("shapley", "linear")
    assert rw["n"] == sh["n"] == usable
    for body in (rw, sh):
        assert body["weights"][0]["driver"] == "Online boarding"
        assert sum(w["weight"] for w in body["weights"]) == pytest.approx(body["r2"], abs=1e-12)
        assert sum(w["share"] for w in body["weights"]) == pytest.approx(100.0, abs=1e-9)
    top, second = rw["weights"][:2]
    assert top["share_low"] > second["share_high"]  # first by a clear margin, not by chance
    # Point-biserial r of Online boarding with "satisfied" on the same rows, with pandas.
    kept = sample[(sample[RATINGS] != 0).all(axis=1)]
    r = kept["Online boarding"].corr((kept["satisfaction"] == "satisfied").astype(float))
    assert top["correlation"] == pytest.approx(r, abs=1e-9)
    assert 0.45 < r < 0.60
    # Without --na the 0s count as ratings: every row is used.
    assert _drivers(*common, "--method", "relative_weights", "--boot", "0")["n"] == 3000


def test_the_file_mode_says_what_is_wrong(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("overall,food,seat,class\n9,4,5,Eco\n7,3,x,Business\n8,4,4,Eco\n")
    runner = CliRunner()

    def refused(*args: str) -> BaseException | None:
        return runner.invoke(app, ["report", "drivers", "--file", str(path), *args]).exception

    no_columns = refused("--outcome", "overall")
    assert isinstance(no_columns, CxrayError) and "--file needs --columns" in str(no_columns)
    absent = refused("--outcome", "overall", "--columns", "food,legroom")
    assert isinstance(absent, InvalidInputError)
    assert "r.csv has no column(s) ['legroom']" in str(absent)
    text = refused("--outcome", "overall", "--columns", "food,seat")
    assert isinstance(text, InvalidInputError)
    assert "column 'seat' has 1 cell(s) that are not numbers (row 3: 'x')" in str(text)
    both = runner.invoke(
        app, ["report", "drivers", "-w", "acme", "--file", str(path), "--columns", "food"]
    )
    assert str(both.exception) == "give --workspace or --file, not both"
    boot = runner.invoke(app, ["report", "drivers", "-w", "acme", "--boot", "10"])
    assert str(boot.exception) == "--columns, --na and --boot go with --file"
    bad_na = refused("--outcome", "overall", "--columns", "food", "--na", "n/a")
    assert "--na takes numbers" in str(bad_na)


def test_an_unknown_method_exits_with_a_clear_error(tmp_path):
    env = {**os.environ, "CXRAY_DATA_DIR": str(tmp_path), "CXRAY_LANGUAGE": "en"}
    result = subprocess.run(
        [sys.executable, "-m", "cxray", "report", "drivers", "-w", "x", "--method", "ridge"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: --method must be shapley or relative_weights, not 'ridge'"
    )
