"""The intent of a question: word-cue rules, the learned model's file and features."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ltgraph.corpus import KINDS
from ltgraph.retrieval.intent import (
    MODEL_FILE,
    TYPES,
    IntentModel,
    IntentReader,
    feature_width,
    features,
    neighbour_kinds,
    rule_intent,
)


def test_rules_read_the_question_types() -> None:
    assert rule_intent("ADDIE vs SAM", 2, 0).type == "comparison"
    assert rule_intent("what's the difference between behaviorism and constructivism", 2, 0).type \
        == "comparison"
    assert rule_intent("which theories did Jerome Bruner develop", 0, 1).type == "person"
    assert rule_intent("I teach adult nurses who hate lectures, what approach fits?", 0, 0).type \
        == "situation"
    assert rule_intent("which theory says knowledge lives in networks", 0, 0).type == "description"
    assert rule_intent("zpd scaffolding", 0, 0).type == "keyword"
    factoid = rule_intent("what are the drawbacks of connectivism?", 1, 0)
    assert factoid.type == "factoid" and factoid.kinds[0] == "limitation"


def test_features_have_the_models_width() -> None:
    x = features(np.ones(384, dtype=np.float32) / np.sqrt(384), "who developed ADDIE?", 1, 0,
                 [("researcher", 0.8), ("overview", 0.7)])
    assert x.shape == (feature_width(384),)
    assert np.isfinite(x).all()


def test_nearest_passages_weigh_by_closeness() -> None:
    """The kinds of the nearest passages are shares that sum to one, the nearest weighing
    most; an empty index gives none, and a kind the model does not know is left out."""
    assert not neighbour_kinds([]).any()
    shares = neighbour_kinds([("limitation", 0.80), ("strength", 0.70), ("limitation", 0.65)])
    assert np.isclose(shares.sum(), 1.0)
    assert shares[KINDS.index("limitation")] > 0.85 > 0.0 < shares[KINDS.index("strength")]
    close = neighbour_kinds([("limitation", 0.80), ("strength", 0.79)])
    assert abs(close[KINDS.index("limitation")] - close[KINDS.index("strength")]) < 0.2
    assert np.isclose(neighbour_kinds([("no-such-kind", 0.9), ("concept", 0.5)]).sum(), 1.0)


def test_shipped_model_loads_and_belongs_to_the_default_encoder() -> None:
    model = IntentModel.load(MODEL_FILE)
    assert model is not None
    assert model.model == "sentence-transformers/all-MiniLM-L6-v2"
    assert model.types == TYPES and model.kinds == tuple(KINDS)
    assert model.dim() == feature_width(384)
    assert IntentReader(model.model, 384).model is not None


def test_another_encoder_falls_back_to_rules() -> None:
    reader = IntentReader("fake-hash-encoder", 128)
    assert reader.model is None
    intent = reader(np.zeros(128), "ADDIE vs SAM", 2, 0)
    assert intent.type == "comparison" and intent.source == "rules"


def test_model_round_trips_through_its_file(tmp_path) -> None:
    rng = np.random.default_rng(0)
    dim = 16
    model = IntentModel("m", rng.normal(size=(len(TYPES), dim)), rng.normal(size=len(TYPES)),
                        rng.normal(size=(len(KINDS), dim)), rng.normal(size=len(KINDS)), TYPES,
                        tuple(KINDS))
    model.save(tmp_path / "m.npz", {"note": "test"})
    again = IntentModel.load(tmp_path / "m.npz")
    assert again is not None and again.model == "m"
    x = rng.normal(size=dim).astype(np.float32)
    for a, b in zip(model.probabilities(x), again.probabilities(x), strict=True):
        assert np.allclose(a, b, atol=1e-6)
    assert IntentModel.load(tmp_path / "missing.npz") is None


@hsettings(max_examples=200, deadline=None)
@given(st.text(max_size=120), st.integers(0, 4), st.integers(0, 3),
       st.lists(st.tuples(st.sampled_from(KINDS), st.floats(-1.0, 1.0)), max_size=60))
def test_any_question_gets_a_valid_intent(question: str, entries: int, people: int,
                                          nearest: list[tuple[str, float]]) -> None:
    model = IntentModel.load(MODEL_FILE)
    assert model is not None
    vector = np.random.default_rng(len(question)).normal(size=384).astype(np.float32)
    vector /= np.linalg.norm(vector)
    for intent in (model.predict(vector, question, entries, people, nearest),
                   rule_intent(question, entries, people)):
        assert intent.type in TYPES
        assert set(intent.kinds) <= set(KINDS) and len(set(intent.kinds)) == len(intent.kinds)


def test_no_evaluation_question_is_a_training_question() -> None:
    """training/ (the intent model and its topic head learn from it) and eval/ (every figure
    is measured on it) share no question, compared by their words in lower case."""
    import json
    import re
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]

    def questions(folder: str) -> dict[str, str]:
        found = {}
        for path in sorted((repo / folder).glob("*.jsonl")):
            for line in path.read_text("utf-8").splitlines():
                if line.strip():
                    q = json.loads(line)["q"]
                    found[" ".join(re.findall(r"[a-z0-9]+", q.lower()))] = f"{path.name}: {q}"
        return found

    training, evaluation = questions("training"), questions("eval")
    assert len(training) > 2000 and len(evaluation) > 3500
    shared = sorted(f"{training[k]} | {evaluation[k]}" for k in training.keys() & evaluation.keys())
    assert not shared, shared


def test_vetting_drops_near_copies_of_evaluation_questions_and_refuses_bad_labels(tmp_path) -> None:
    """scripts/vet_training.py: a near copy of an evaluation question is dropped, a new one is
    kept, and a line with an unknown kind stops it with the file, the line and the reason."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    evaluation = json.loads((repo / "eval" / "questions.jsonl").read_text("utf-8").splitlines()[0])["q"]
    script = [sys.executable, str(repo / "scripts" / "vet_training.py")]
    good = tmp_path / "new.jsonl"
    good.write_text("\n".join(json.dumps(r) for r in (
        {"q": evaluation + "?!", "type": "factoid", "kinds": ["overview"]},
        {"q": "my welding apprentices nod along in the workshop briefing then weld the joint wrong",
         "type": "situation", "kinds": ["implication"]})) + "\n", "utf-8")
    run = subprocess.run([*script, str(good)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "2 questions: kept 1;" in run.stdout and "near evaluation 1" in run.stdout
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"q": "who made ADDIE", "type": "factoid", "kinds": ["people"]}) + "\n", "utf-8")
    run = subprocess.run([*script, str(bad)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 2 and f"{bad}:1: kinds must be" in run.stderr
