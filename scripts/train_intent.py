"""Train the question-intent model shipped as `src/ltgraph/retrieval/intent_model.npz`.

    .venv/bin/python scripts/train_intent.py            # cross-validate, then train and write
    .venv/bin/python scripts/train_intent.py --check    # exit 1 if the shipped file is stale

Input: `training/intent.jsonl` ({"q", "type", "kinds"}), `training/offtopic.jsonl` ({"q",
"category"}: questions about anything but learning and teaching) and `training/ontopic.jsonl`
({"q", "category"}: more questions about the field, such as short definitions and teaching
situations with subject content — for the topic head only, beside those of `intent.jsonl`,
so they do not move the type and kind heads), written for this purpose and kept apart from the
evaluation sets in `eval/` (no question of those sets is in them). Features
(`ltgraph.retrieval.intent.features`): the question's embedding by the configured model
(`LTGRAPH_MODEL`; the shipped file is for the default all-MiniLM-L6-v2), a hashed bag of words
and word pairs, how many entries and people of the bundled corpus it names, and the kinds of
the bundled corpus's 50 passages nearest to it (so a change to `corpus/` moves the features a
little: `--check` then tells whether the shipped model still reads the training questions as a
fresh training does; retrain when it does not). Models:
scikit-learn's LogisticRegression, multinomial for the type and one per kind; lbfgs with a
fixed seed, so the result is the same from run to run on one machine (another CPU or library
release moves the embeddings and the solver's weights a little; `--check` wants the training
data's digest to match the shipped model's exactly and its predictions to agree on all but
`CHECK_TOLERANCE` of the training questions).
scikit-learn is needed here only, not at run time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "training" / "intent.jsonl"
OFFTOPIC = REPO / "training" / "offtopic.jsonl"
ONTOPIC = REPO / "training" / "ontopic.jsonl"
C = 4.0
#: The share of training questions `--check` lets a fresh training read otherwise than the
#: shipped model: another machine or release of scikit-learn, onnxruntime or BLAS lands the
#: solver on slightly other weights (3 of 3,426 questions, all within a hair of a threshold,
#: on a fresh install in session 14). The data it was trained on must match exactly.
CHECK_TOLERANCE = 0.005


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def featurise(*record_sets: list[dict]) -> tuple[str, list[np.ndarray]]:
    """The encoder's name and one feature matrix per set of records (the encoder, the bundled
    corpus and its passage vectors are made once for all of them)."""
    from ltgraph.config import Settings, bundled_corpus_dir
    from ltgraph.corpus import entry_files, load_corpus, passages
    from ltgraph.retrieval.encoders import make_encoder
    from ltgraph.retrieval.intent import NEIGHBOURS, features
    from ltgraph.retrieval.lexicon import Lexicon
    from ltgraph.retrieval.search import TIE_DECIMALS
    from ltgraph.retrieval.text import passage_document

    settings = Settings.from_env()
    encoder = make_encoder(settings.model, settings.backend, settings.data_dir / "models")
    entries = load_corpus(entry_files(bundled_corpus_dir()))
    lexicon = Lexicon(entries)
    # The passages as the index embeds them, for each question's nearest (exact cosine, ties
    # in passage-key order, as `Searcher.nearest` reads them).
    corpus = sorted(((p, e) for e in entries for p in passages(e)), key=lambda pe: pe[0].key)
    passage_vectors = np.asarray(encoder.encode([passage_document(p, e) for p, e in corpus]), dtype=np.float32)
    kinds = [p.kind for p, _ in corpus]
    matrices = []
    for records in record_sets:
        questions = [r["q"] for r in records]
        rows = []
        for question, vector in zip(questions, encoder.encode(questions), strict=True):
            mentions = lexicon.find(question)
            entries_named = len({m.entry for m in mentions if m.kind == "entry"})
            people = len({m.slug for m in mentions if m.kind == "person"})
            cosines = passage_vectors @ vector
            order = np.argsort(-np.round(cosines, TIE_DECIMALS), kind="stable")[:NEIGHBOURS]
            nearest = [(kinds[i], float(cosines[i])) for i in order]
            rows.append(features(vector, question, entries_named, people, nearest))
        matrices.append(np.vstack(rows))
    return encoder.name, matrices


def fit_topic(X_on: np.ndarray, X_off: np.ndarray) -> tuple[np.ndarray, float]:
    """The topic head: on-topic (the intent questions) against off-topic, classes balanced.

    It does not read the kinds of the nearest passages (their weights are zero): every
    question has nearest passages, and which kinds they are says what is asked, not whether
    the field is (with them, short definitions such as "what is assimilation" fell off)."""
    from sklearn.linear_model import LogisticRegression

    from ltgraph.corpus import KINDS

    X = np.vstack([X_on, X_off])[:, :-len(KINDS)]
    y = np.array([1] * len(X_on) + [0] * len(X_off))
    model = LogisticRegression(C=C, max_iter=5000, random_state=0, class_weight="balanced").fit(X, y)
    return np.concatenate([model.coef_[0], np.zeros(len(KINDS))]), float(model.intercept_[0])


def topic_cross_validation(X_on: np.ndarray, X_off: np.ndarray, folds: int = 5) -> dict:
    rng = np.random.default_rng(0)
    on_order, off_order = rng.permutation(len(X_on)), rng.permutation(len(X_off))
    on_ok = off_ok = 0
    for f in range(folds):
        on_test, off_test = on_order[f::folds], off_order[f::folds]
        w, b = fit_topic(X_on[np.setdiff1d(on_order, on_test)], X_off[np.setdiff1d(off_order, off_test)])
        on_ok += int(((X_on[on_test] @ w + b) >= 0).sum())
        off_ok += int(((X_off[off_test] @ w + b) < 0).sum())
    return {"on_topic_kept": round(on_ok / len(X_on), 3), "off_topic_caught": round(off_ok / len(X_off), 3)}


def fit(X: np.ndarray, records: list[dict]):
    from sklearn.linear_model import LogisticRegression

    from ltgraph.corpus import KINDS
    from ltgraph.retrieval.intent import TYPES

    y_type = np.array([TYPES.index(r["type"]) for r in records])
    type_model = LogisticRegression(C=C, max_iter=5000, random_state=0).fit(X, y_type)
    kind_w, kind_b = [], []
    for kind in KINDS:
        y = np.array([kind in r["kinds"] for r in records], dtype=int)
        if y.sum() == 0:  # never asked for in training: never predicted
            kind_w.append(np.zeros(X.shape[1]))
            kind_b.append(-10.0)
            continue
        model = LogisticRegression(C=C, max_iter=5000, random_state=0).fit(X, y)
        kind_w.append(model.coef_[0])
        kind_b.append(model.intercept_[0])
    # scikit-learn orders classes by label value: TYPES order, as indexed above.
    return (type_model.coef_, type_model.intercept_, np.vstack(kind_w), np.array(kind_b))


def predict_all(weights, name: str, X: np.ndarray, records: list[dict]) -> list[tuple[str, tuple[str, ...]]]:
    from ltgraph.corpus import KINDS
    from ltgraph.retrieval.intent import TYPES, IntentModel

    model = IntentModel(name, *weights, TYPES, tuple(KINDS))
    out = []
    for x in X:
        type_p, kind_p = model.probabilities(x)
        out.append((TYPES[int(np.argmax(type_p))],
                    tuple(sorted(KINDS[i] for i in range(len(KINDS)) if kind_p[i] >= 0.5))))
    return out


def cross_validate(X: np.ndarray, records: list[dict], name: str, folds: int = 5) -> dict:
    rng = np.random.default_rng(0)
    order = rng.permutation(len(records))
    type_ok = first_kind_ok = kind_total = 0
    for f in range(folds):
        test = order[f::folds]
        train = np.setdiff1d(order, test)
        weights = fit(X[train], [records[i] for i in train])
        from ltgraph.corpus import KINDS
        from ltgraph.retrieval.intent import TYPES, IntentModel

        model = IntentModel(name, *weights, TYPES, tuple(KINDS))
        for i in test:
            type_p, kind_p = model.probabilities(X[i])
            type_ok += TYPES[int(np.argmax(type_p))] == records[i]["type"]
            if records[i]["kinds"]:
                kind_total += 1
                first_kind_ok += KINDS[int(np.argmax(kind_p))] in records[i]["kinds"]
    return {"type_accuracy": round(type_ok / len(records), 3),
            "top_kind_accuracy": round(first_kind_ok / max(kind_total, 1), 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped model")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()

    sys.path.insert(0, str(REPO / "src"))
    from ltgraph.corpus import KINDS
    from ltgraph.retrieval.intent import MODEL_FILE, TYPES, IntentModel

    digest = hashlib.sha256(DATA.read_bytes() + OFFTOPIC.read_bytes() + ONTOPIC.read_bytes()).hexdigest()[:16]
    if args.check:  # the data first: a stale model is told at once
        if not MODEL_FILE.is_file():
            print(f"no model at {MODEL_FILE}")
            return 1
        with np.load(MODEL_FILE, allow_pickle=False) as data:
            trained_on = json.loads(str(data["meta"])).get("training_sha256")
        if trained_on != digest:
            print(f"shipped model was trained on other data ({trained_on}, now {digest}): retrain")
            return 1
    records = load(DATA)
    name, (X, X_off, X_more) = featurise(records, load(OFFTOPIC), load(ONTOPIC))
    X_on = np.vstack([X, X_more])  # the topic head's on-topic side
    weights = fit(X, records)
    topic_w, topic_b = fit_topic(X_on, X_off)
    model = IntentModel(name, *weights, TYPES, tuple(KINDS), topic_w, topic_b)
    if args.check:
        shipped = IntentModel.load(MODEL_FILE)
        if shipped is None or shipped.topic_w is None:
            print(f"no model with a topic head at {MODEL_FILE}")
            return 1
        fresh = predict_all(weights, name, X, records)
        kept = predict_all((shipped.type_w, shipped.type_b, shipped.kind_w, shipped.kind_b), name, X, records)
        both = np.vstack([X_on, X_off])
        topic = ((both @ topic_w + topic_b) >= 0) != ((both @ shipped.topic_w + shipped.topic_b) >= 0)
        differ = sum(a != b for a, b in zip(fresh, kept, strict=True)), int(topic.sum())
        print(f"a fresh training reads {differ[0]} of {len(records)} questions and the topic of "
              f"{differ[1]} of {len(both)} otherwise than the shipped model")
        same = differ[0] <= CHECK_TOLERANCE * len(records) and differ[1] <= CHECK_TOLERANCE * len(both)
        print("shipped model matches a fresh training" if same else "shipped model differs")
        return 0 if same else 1
    cv = {**cross_validate(X, records, name), **topic_cross_validation(X_on, X_off)}
    target = args.output or MODEL_FILE
    model.save(target, {"training": [DATA.name, OFFTOPIC.name, ONTOPIC.name], "training_sha256": digest,
                        "questions": len(records), "off_topic_questions": len(X_off),
                        "more_on_topic_questions": len(X_more),
                        "C": C, "cross_validation": cv})
    print(f"{len(records)} questions, model {name}; 5-fold cross-validation: {cv}")
    print(f"wrote {target} ({target.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
