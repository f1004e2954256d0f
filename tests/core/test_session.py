import numpy as np
import pytest

from explorer.core import ExplorerError
from explorer.core.demo import demo_vocabulary
from explorer.core.schemes import InitConfig
from explorer.core.session import Session, load_session, save_session


def test_round_trip_is_bit_exact(tmp_path):
    vocab = demo_vocabulary()
    rng = np.random.default_rng(0)
    weights = rng.standard_normal((len(vocab), 8)).astype(np.float32)
    snap = rng.standard_normal((len(vocab), 8)).astype(np.float32)
    session = Session(vocab, weights, initial_weights=weights * 2, init_config=InitConfig("xavier_normal", 8, 3),
                      history={"loss": [[1, 2.5]]}, snapshots=[(10, snap)], view={"selection": [1, 2]})
    path = tmp_path / "s.eexp"
    save_session(path, session)
    back = load_session(path)
    assert back.vocab.tokens == vocab.tokens
    assert np.array_equal(back.vocab.counts, vocab.counts)
    assert back.vocab.encode("the dog")[1] == vocab.encode("the dog")[1]
    assert back.weights.tobytes() == weights.tobytes()
    assert back.initial_weights.tobytes() == (weights * 2).tobytes()
    assert back.snapshots[0][0] == 10 and back.snapshots[0][1].tobytes() == snap.tobytes()
    assert back.init_config == InitConfig("xavier_normal", 8, 3)
    assert back.history == {"loss": [[1, 2.5]]} and back.view == {"selection": [1, 2]}


def test_newer_format_version_is_a_clear_error(tmp_path):
    import json
    import zipfile

    path = tmp_path / "future.eexp"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("session.json", json.dumps({"format": "embedding-explorer-session", "version": 99}))
        zf.writestr("tensors.safetensors", b"")
    with pytest.raises(ExplorerError, match="newer"):
        load_session(path)


def test_a_text_file_is_not_a_session(tmp_path):
    path = tmp_path / "x.eexp"
    path.write_text("hello")
    with pytest.raises(ExplorerError, match="not a session"):
        load_session(path)
