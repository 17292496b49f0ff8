import subprocess
import sys

import numpy as np

from cxray.text.classifier import MODEL_PATH, probabilities, weights


def test_artefact_is_plain_numpy_arrays() -> None:
    with np.load(MODEL_PATH, allow_pickle=False) as npz:
        assert set(npz.files) == {"coef", "intercept", "classes"}
        assert npz["coef"].shape == (3, 512)
        assert npz["intercept"].shape == (3,)
        assert list(npz["classes"]) == ["negative", "neutral", "positive"]
        assert np.isfinite(npz["coef"]).all()
    assert MODEL_PATH.stat().st_size < 100_000


def test_probabilities_are_a_distribution() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 512)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    p = probabilities(x)
    assert p.shape == (5, 3)
    assert np.allclose(p.sum(axis=1), 1.0)
    assert len(weights()[2]) == 3


def test_loading_needs_neither_sklearn_nor_django() -> None:
    code = (
        "import sys; from cxray.text.classifier import weights; weights();"
        "import cxray.text; cxray.text.analyze(['Дякую'], themes=False);"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('sklearn', 'django')"
        " or m.startswith('cxray.web')]; print(bad); assert not bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_full_model_reads_clear_comments() -> None:
    from cxray.text import sentiment

    assert sentiment("Жахливе обслуговування, більше не прийду", model="full").label == "negative"
    assert sentiment("Спасибо, всё отлично", model="full").label == "positive"
    assert sentiment("Excellent service, thank you", model="full").label == "positive"
