from __future__ import annotations

from dataclasses import dataclass

from hypothesis import assume, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ltgraph.corpus import entry_files, load_corpus
from ltgraph.retrieval.ranking import Analysis, Scored, boost, prefer_kind, reciprocal_rank_fusion
from ltgraph.retrieval.lexicon import Lexicon

from ltgraph.retrieval.intent import detect_kinds

from .conftest import TINY_CORPUS


def test_kind_detection() -> None:
    assert detect_kinds("what are the drawbacks of connectivism?")[0] == "limitation"
    assert detect_kinds("main criticisms of Bloom's taxonomy")[0] == "limitation"
    assert detect_kinds("benefits of experiential learning")[0] == "strength"
    assert detect_kinds("who developed cognitive load theory")[0] == "researcher"
    assert detect_kinds("how should I design a course with UDL")[0] == "implication"
    assert detect_kinds("what is andragogy") == ["overview"]
    assert detect_kinds("andragogy") == []


def test_lexicon_links_names_aliases_people_and_multiword_concepts() -> None:
    lexicon = Lexicon(load_corpus(entry_files(TINY_CORPUS)))
    found = {(m.kind, m.slug) for m in lexicon.find("Is alphaism like a worked example, says Dewey?")}
    assert ("entry", "alpha-theory") in found
    assert ("item", "worked-example") in found
    assert ("person", "john-dewey") in found
    assert lexicon.find("nothing to see here") == []


def test_reciprocal_rank_fusion_rewards_agreement() -> None:
    fused = reciprocal_rank_fusion([(1, 0.9), (2, 0.8)], [(2, 5.0), (3, 4.0)])
    assert max(fused, key=fused.get) == 2
    assert fused[1] > fused[3]  # same rank, both once


@dataclass
class R:
    entry: str
    kind: str
    item: str | None = None

    @property
    def key(self) -> str:  # as IndexedPassage.key: unique per passage
        return f"{self.entry}/{self.kind}/{self.item}/{id(self)}"


def test_prefer_kind_keeps_entry_order_and_scores() -> None:
    records = [R("a", "overview"), R("b", "limitation"), R("a", "limitation"), R("b", "overview")]
    ranked = [Scored(0, 4.0), Scored(1, 3.0), Scored(2, 2.0), Scored(3, 1.0)]
    out = prefer_kind(ranked, records, ["limitation"])
    assert [records[s.row].entry for s in out] == ["a", "b", "a", "b"]
    assert [records[s.row].kind for s in out][:2] == ["limitation", "limitation"]
    assert [s.score for s in out] == [4.0, 3.0, 2.0, 1.0]


def test_a_sure_kind_leads_with_two_passages_then_one_of_each_other_kind() -> None:
    kinds = ["limitation", "limitation", "limitation", "concept", "concept", "overview"]
    records = [R("a", k) for k in kinds]
    ranked = [Scored(i, 10.0 - i) for i in range(len(records))][::-1]  # worst first
    ranked = [Scored(s.row, 10.0 - n) for n, s in enumerate(ranked)]
    sure = [records[s.row].kind for s in prefer_kind(ranked, records, ["limitation"], sure=True)]
    assert sure[:4] == ["limitation", "limitation", "overview", "concept"]
    unsure = [records[s.row].kind for s in prefer_kind(ranked, records, ["limitation"], sure=False)]
    assert unsure[:3] == ["limitation", "overview", "concept"]
    assert sorted(sure) == sorted(unsure) == sorted(kinds)


def test_boost_raises_the_named_entry() -> None:
    records = [R("a", "overview"), R("b", "overview")]
    from ltgraph.retrieval.lexicon import Mention

    analysis = Analysis(kinds=[], mentions=[Mention("entry", "b", "b", "B")])
    out = boost({0: 0.2, 1: 0.1}, records, analysis)
    assert records[out[0].row].entry == "b"


def test_lexicon_matches_like_a_longest_first_word_bounded_regex() -> None:
    """`find` (n-gram lookups) agrees with the reference semantics: a regex alternation of
    every label, longest first, between word boundaries, scanned left to right."""
    import random
    import re

    from ltgraph.config import bundled_corpus_dir
    from ltgraph.retrieval.lexicon import _norm

    lexicon = Lexicon(load_corpus(entry_files(bundled_corpus_dir())))
    labels = sorted(lexicon._surface, key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(re.escape(k) for k in labels) + r")\b")

    def reference(question: str) -> list:
        found: list = []
        for match in pattern.finditer(_norm(question)):
            found.extend(m for m in lexicon._surface[match.group(1)] if m not in found)
        return found

    rng = random.Random(11)
    vocabulary = sorted({w for label in labels for w in label.split()}) + ["the", "and", "of", "what"]
    questions = [" ".join(rng.choice(vocabulary) for _ in range(rng.randint(1, 12))) for _ in range(2000)]
    questions += [f"{a} {b}" for a, b in zip(rng.sample(labels, 200), rng.sample(labels, 200))]
    assert sum(1 for q in questions if reference(q)) > 1000  # the sample does hit labels
    for question in questions:
        assert lexicon.find(question, coordinated=False) == reference(question), question
    # overlapping labels: the longer one wins and its inner words are not matched again
    assert [m.slug for m in lexicon.find("zone of proximal development")] == \
        [m.slug for m in reference("zone of proximal development")]


def test_a_name_left_implicit_by_a_coordination_is_found() -> None:
    """"problem based and project based learning" names both entries; words before "and" that
    form no name with the end of the next one add nothing."""
    from ltgraph.config import bundled_corpus_dir

    lexicon = Lexicon(load_corpus(entry_files(bundled_corpus_dir())))

    def entries(question: str, **options: bool) -> list[str]:
        return [m.slug for m in lexicon.find(question, **options) if m.kind == "entry"]

    both = ["problem-based-learning", "project-based-learning"]
    assert entries("difference between problem based and project based learning") == both
    assert entries("problem and project based learning compared") == both
    assert entries("problem vs project-based learning") == both
    assert entries("problem and project based learning", coordinated=False) == both[1:]
    assert entries("behaviorism and social learning theory") == ["behaviorism", "social-learning-theory"]
    assert entries("teachers and project based learning") == both[1:]


def test_numbers_and_leading_articles_do_not_stop_a_name_matching() -> None:
    """"9 events" is "nine events"; a concept titled "The 2 sigma problem" is named without
    its article too."""
    from ltgraph.config import bundled_corpus_dir

    lexicon = Lexicon(load_corpus(entry_files(bundled_corpus_dir())))

    def items(question: str) -> list[str]:
        return [m.slug for m in lexicon.find(question) if m.kind == "item"]

    assert items("what are the 9 events of instruction") == items("what are the nine events of instruction") != []
    assert items("bloom 2 sigma problem") == items("bloom two sigma problem") == ["the-2-sigma-problem"]
    assert [m.slug for m in lexicon.find("70 20 10 model")] == ["seventy-twenty-ten"]


def test_a_lexicon_made_with_its_cache_equals_one_made_afresh() -> None:
    """A reader keeps what each entry added to its last lexicon: after entries are replaced,
    removed and added (as a change does), the lexicon made with that cache is the one made
    from scratch — names, people, unique last names, every word."""
    from dataclasses import replace

    from ltgraph.config import bundled_corpus_dir

    entries = load_corpus(entry_files(bundled_corpus_dir()))
    cache: dict = {}
    Lexicon(entries, cache)
    assert len(cache) == len(entries)
    renamed = replace(entries[3], name="Renamed Theory", aliases=["RTX"])
    changed = [renamed, *entries[4:-5], replace(entries[0], slug="copy-of-first", name="Copy Of First")]
    for made, fresh in ((Lexicon(changed, cache), Lexicon(changed)), (Lexicon(entries, cache), Lexicon(entries))):
        assert made._surface == fresh._surface and made.person_entries == fresh.person_entries
        assert made._name_words == fresh._name_words and made._known_words == fresh._known_words
    assert len(cache) == len(entries)  # only the entries of the last lexicon are kept


def test_an_originators_last_name_names_the_entry_only_when_they_originated_no_other() -> None:
    """"Kirkpatrick" alone names the Kirkpatrick Model; "Bloom" alone names the person, who
    originated Bloom's taxonomy and mastery learning, and so names neither entry (else "Bloom's
    2 sigma problem" was always answered from the taxonomy). A second entry originated by
    Kirkpatrick makes his name as ambiguous."""
    from dataclasses import replace

    from ltgraph.config import bundled_corpus_dir

    entries = load_corpus(entry_files(bundled_corpus_dir()))
    lexicon = Lexicon(entries)

    def found(question: str, lex: Lexicon = lexicon) -> list[tuple[str, str]]:
        return [(m.kind, m.slug) for m in lex.find(question)]

    assert found("kirkpatrick level 3") == [("entry", "kirkpatrick-model")]
    assert found("bloom 2 sigma problem") == [("person", "benjamin-s-bloom"), ("item", "the-2-sigma-problem")]
    assert found("who is merrill") == [("person", "m-david-merrill")]
    assert found("blooms taxonomy verbs") == [("entry", "blooms-taxonomy")]  # the name still names it
    kirkpatrick = next(e for e in entries if e.slug == "kirkpatrick-model")
    other = replace(entries[0], slug="kirkpatrick-other", name="Another Evaluation Model",
                    researchers=[p for p in kirkpatrick.researchers if p.role == "originator"])
    assert ("entry", "kirkpatrick-model") not in found("kirkpatrick level 3", Lexicon([*entries, other]))


def test_two_misspelled_words_of_one_name_are_corrected_together() -> None:
    """Neither "cognitive" nor "apprenticeship" alone names anything, so each correction alone
    was refused; together they name the entry. A correction the name does not need is not
    kept ("principls" stays)."""
    from ltgraph.config import bundled_corpus_dir

    lexicon = Lexicon(load_corpus(entry_files(bundled_corpus_dir())))
    assert lexicon.correct("cognative apprenticship collins and brown") == \
        "cognitive apprenticeship collins and brown"
    assert lexicon.correct("multimedai lerning principls") == "multimedia learning principls"
    assert lexicon.correct("conectivism critics") == "connectivism critics"
    assert lexicon.correct("downsides of constructivism") is None


_LEXICON: list[Lexicon] = []


@hsettings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_spelling_correction_never_fails(question: str) -> None:
    """Any text, letters outside ASCII included ("Łȴȴȴȴ" folds to nothing), gets an answer."""
    if not _LEXICON:
        _LEXICON.append(Lexicon(load_corpus(entry_files(TINY_CORPUS))))
    corrected = _LEXICON[0].correct(question)
    assert corrected is None or corrected != question
    assert _LEXICON[0].correct("Łȴȴȴȴ Łȴȴȴȴ") is None


_NAME_WORDS = sorted(w for w in Lexicon(load_corpus(entry_files(TINY_CORPUS)))._name_words if len(w) >= 6)


@hsettings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_NAME_WORDS), st.integers(0, 20), st.booleans()),
                min_size=1, max_size=5),
       st.sampled_from(["", "what is ", "critics of ", "the "]))
def test_a_correction_always_names_something_more(words, lead) -> None:
    """Questions of name words with a letter dropped (or not): whatever `correct` returns
    names something the question did not (a correction is never kept for nothing)."""
    if not _LEXICON:
        _LEXICON.append(Lexicon(load_corpus(entry_files(TINY_CORPUS))))
    lexicon = _LEXICON[0]
    typed = [w[:i % len(w)] + w[i % len(w) + 1:] if drop else w for w, i, drop in words]
    question = lead + " ".join(typed)
    corrected = lexicon.correct(question)
    if corrected is not None:
        before = lexicon.find(question)
        assert any(m not in before for m in lexicon.find(corrected)), (question, corrected)


_BUNDLED: list[Lexicon] = []
#: Pairs of multi-word labels of the bundled corpus that end in the same word.
_SHARED_ENDS: list[tuple[str, str]] = []


def _bundled_lexicon() -> Lexicon:
    if not _BUNDLED:
        from ltgraph.config import bundled_corpus_dir

        _BUNDLED.append(Lexicon(load_corpus(entry_files(bundled_corpus_dir()))))
        labels = sorted(k for k in _BUNDLED[0]._surface if " " in k)
        by_end: dict[str, list[str]] = {}
        for label in labels:
            by_end.setdefault(label.split()[-1], []).append(label)
        _SHARED_ENDS.extend((a, b) for group in by_end.values() for a in group for b in group if a != b)
    return _BUNDLED[0]


@hsettings(max_examples=300, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 4), st.sampled_from(["and", "or", "vs"]),
       st.sampled_from(["", "difference between ", "compare "]), st.sampled_from(["", " for adults"]))
def test_a_coordination_only_adds_names(pick, shared, joiner, lead, tail) -> None:
    """"A-without-its-end and B", for two names of the bundled corpus ending alike ("problem
    based and project based learning"): reading the coordination finds every name the plain
    reading finds, in the same order, and whatever it adds is a name of the lexicon."""
    lexicon = _bundled_lexicon()
    a, b = _SHARED_ENDS[pick % len(_SHARED_ENDS)]
    front = a.split()[:-min(shared, len(a.split()) - 1)]
    question = f"{lead}{' '.join(front)} {joiner} {b}{tail}"
    plain, read = lexicon.find(question, coordinated=False), lexicon.find(question)
    assert [m for m in read if m in plain] == plain, question
    known = {m for mentions in lexicon._surface.values() for m in mentions}
    assert all(m in known for m in read if m not in plain), question


def test_the_coordination_property_sees_real_coordinations() -> None:
    """The generator above does produce questions where a coordination adds a name (about a
    quarter of the pairs: 2,715 of 11,228 on the 63-entry corpus)."""
    lexicon = _bundled_lexicon()
    added = sum(lexicon.find(f"{' '.join(a.split()[:-1])} and {b}")
                != lexicon.find(f"{' '.join(a.split()[:-1])} and {b}", coordinated=False)
                for a, b in _SHARED_ENDS)
    assert added > len(_SHARED_ENDS) / 10


def _ranked(records):
    return [Scored(i, float(len(records) - i)) for i in range(len(records))]


def test_a_question_naming_several_entries_shows_each_in_the_first_five() -> None:
    """A comparison, or any question naming two entries ("limitations of X and Y", which the
    intent model may read as a factoid): each named entry in the first five."""
    from ltgraph.retrieval.lexicon import Mention
    from ltgraph.retrieval.ranking import arrange

    records = [R("a", "overview", "1"), R("a", "concept", "2"), R("a", "limitation", "3"),
               R("a", "strength", "4"), R("a", "implication", "5"), R("b", "overview", "6"),
               R("c", "concept", "7")]
    for type_ in ("comparison", "factoid", "keyword"):
        analysis = Analysis(kinds=[], type=type_,
                            mentions=[Mention("entry", "a", "a", "A"), Mention("entry", "b", "b", "B")])
        out = arrange(_ranked(records), records, analysis)
        assert [records[s.row].entry for s in out][:2] == ["a", "b"], type_
        assert [s.score for s in out] == sorted((s.score for s in out), reverse=True)
        assert sorted(s.row for s in out) == list(range(len(records)))


def test_a_question_about_a_person_shows_their_researcher_passages_first() -> None:
    """"who is Merrill": his researcher passages in each of his entries lead, though one
    entry's other passages scored higher; then the list goes on in score order."""
    from ltgraph.retrieval.lexicon import Mention
    from ltgraph.retrieval.ranking import arrange

    records = [R("a", "researcher", "merrill"), R("a", "overview", "1"), R("a", "evidence", "2"),
               R("b", "researcher", "merrill"), R("a", "researcher", "other"),
               R("c", "researcher", "merrill"), R("c", "overview", "3")]
    analysis = Analysis(kinds=["researcher"], type="person",
                        mentions=[Mention("person", None, "merrill", "M. David Merrill")])
    out = arrange(_ranked(records), records, analysis)
    assert [(records[s.row].entry, records[s.row].item) for s in out][:4] == [
        ("a", "merrill"), ("b", "merrill"), ("c", "merrill"), ("a", "1")]
    assert [s.score for s in out] == [s.score for s in _ranked(records)]
    factoid = arrange(_ranked(records), records, Analysis(kinds=["researcher"], type="factoid",
                                                          mentions=analysis.mentions))
    assert [records[s.row].entry for s in factoid][:2] == ["a", "a"]  # only a person question


def test_an_unnamed_entry_takes_at_most_three_of_the_first_five() -> None:
    from ltgraph.retrieval.ranking import UNNAMED_CAP, arrange

    records = [R("a", kind, str(i)) for i, kind in
               enumerate(["overview", "concept", "limitation", "strength", "implication"])]
    records += [R("b", "concept", "x"), R("c", "concept", "y")]
    out = arrange(_ranked(records), records, Analysis(kinds=[]))
    first = [records[s.row].entry for s in out][:5]
    assert first.count("a") == UNNAMED_CAP and {"b", "c"} <= set(first)


def test_other_entries_follow_the_first_five_before_more_of_the_same() -> None:
    """A named entry may fill the first five; places 6-8 then go to the next entries' best
    passages, ahead of that entry's remaining ones."""
    from ltgraph.retrieval.lexicon import Mention
    from ltgraph.retrieval.ranking import arrange

    records = [R("a", "limitation", str(i)) for i in range(8)]
    records += [R("b", "concept", "x"), R("b", "strength", "y"), R("c", "concept", "z"),
                R("d", "concept", "w"), R("e", "concept", "v")]
    named = Analysis(kinds=["limitation"], mentions=[Mention("entry", "a", "a", "A")])
    out = [records[s.row].entry for s in arrange(_ranked(records), records, named)]
    assert out[:5] == ["a"] * 5
    assert out[5:8] == ["b", "c", "d"] and out[8:10] == ["a", "a"]
    assert sorted(out) == sorted(r.entry for r in records)


def test_no_two_overviews_of_one_entry_follow_each_other() -> None:
    from ltgraph.retrieval.ranking import arrange

    records = [R("a", "overview", "1"), R("a", "overview", "2"), R("a", "concept", "3"),
               R("b", "overview", "4")]
    out = arrange(_ranked(records), records, Analysis(kinds=[]))
    kinds = [(records[s.row].entry, records[s.row].kind) for s in out]
    assert all(not (x == y == ("a", "overview")) for x, y in zip(kinds, kinds[1:], strict=False))


@hsettings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcd"), st.sampled_from(
    ["overview", "concept", "limitation", "strength", "implication", "researcher"])),
    min_size=1, max_size=25),
    st.sampled_from(["factoid", "comparison", "keyword", "description"]),
    st.lists(st.sampled_from("abcd"), max_size=3, unique=True),
    st.lists(st.sampled_from(["overview", "concept", "limitation"]), max_size=2, unique=True),
    st.booleans())
def test_arrange_is_a_permutation_that_keeps_scores(rows, type_, named, kinds, sure) -> None:
    """For any list: the same passages, scores still descending, the rules held."""
    from ltgraph.retrieval.lexicon import Mention
    from ltgraph.retrieval.ranking import UNNAMED_CAP, arrange

    records = [R(entry, kind, str(i)) for i, (entry, kind) in enumerate(rows)]
    analysis = Analysis(kinds=kinds, type=type_, sure=sure,
                        mentions=[Mention("entry", e, e, e.upper()) for e in named])
    ranked = _ranked(records)
    out = prefer_kind(ranked, records, kinds, sure)
    out = arrange(out, records, analysis)
    assert sorted(s.row for s in out) == list(range(len(records)))
    assert [s.score for s in out] == [s.score for s in ranked]
    first = [records[s.row] for s in out[:5]]
    for entry in set(r.entry for r in first) - set(named):
        capped = [r for r in first if r.entry == entry and not (sure and r.kind in kinds[:1])]
        available = [r for r in records if r.entry not in (entry,)]
        if len(available) >= 5:
            assert len(capped) <= UNNAMED_CAP
    if len(named) >= 2:  # whatever the type: the model may read "X and Y …" either way
        present = {r.entry for r in records}
        assert {e for e in named if e in present} <= {r.entry for r in first} or len(named) > 5


def test_a_description_asking_who_leads_with_the_researchers() -> None:
    """"Which theory says …" is answered by the entry's overview; "who came up with the idea
    that …" by its researchers, then the overview that names the entry; any other kind read
    first leads in the same way."""
    from ltgraph.retrieval.intent import Intent
    from ltgraph.retrieval.ranking import analyse

    lexicon = Lexicon(load_corpus(entry_files(TINY_CORPUS)))

    def reads(*kinds: str):
        return lambda entries, people: Intent("description", list(kinds), "model", False)

    who = analyse("who came up with the idea that we learn by watching others", lexicon,
                  reads("researcher", "concept"))
    assert who.kinds[:3] == ["researcher", "overview", "concept"] and not who.sure
    which = analyse("which theory says we learn by watching others", lexicon, reads("concept", "researcher"))
    assert which.kinds[:3] == ["overview", "concept", "researcher"] and not which.sure
    # any other kind the model reads first leads too ("advantages of the approach where …")
    good = analyse("advantages of letting people learn by watching others", lexicon, reads("strength", "overview"))
    assert good.kinds[:3] == ["strength", "overview", "concept"] and not good.sure


@hsettings(max_examples=300, deadline=None)
@given(st.integers(0, 10**6), st.lists(st.sampled_from(["the", "please", "tell", "critics", "of", "and"]),
                                       max_size=3), st.booleans())
def test_the_unnamed_words_are_what_no_name_covers(pick, extra, before) -> None:
    """A label of the bundled corpus with words around it: the label's words are never among
    the unnamed ones; an extra word that is in no label always is; and the question is bare
    (names and fillers only) exactly when every unnamed word is a filler."""
    from ltgraph.retrieval.ranking import FILLERS, analyse

    lexicon = _bundled_lexicon()
    labels = sorted(lexicon._surface)
    label = labels[pick % len(labels)]
    question = " ".join([*extra, label] if before else [label, *extra])
    # A name that starts in the words before and ends inside this label takes them first
    # (leftmost-longest, as `find` says: test_the_leftmost_longest_name_wins_where_two_overlap).
    words = question.split()
    start = len(extra) if before else 0
    assume(not any(" ".join(words[i:j]) in lexicon._surface
                   for i in range(start) for j in range(start + 1, start + len(label.split()))))
    unnamed = lexicon.unnamed(question)
    assert set(unnamed) <= set(extra), question
    in_labels = {word for key in labels for word in key.split()}
    assert [w for w in extra if w not in in_labels] == [w for w in unnamed if w not in in_labels], question
    assert analyse(question, lexicon).bare == all(word in FILLERS for word in unnamed), question


def test_the_leftmost_longest_name_wins_where_two_overlap() -> None:
    """"The nine events of instruction": the concept "the nine events" starts first and takes
    its words, so the question asks about it (its answer lists the events), not about the
    entry whose alias "nine events of instruction" overlaps it; "of instruction" is left."""
    lexicon = _bundled_lexicon()
    assert lexicon.unnamed("the nine events of instruction") == ["of", "instruction"]
    assert [(m.kind, m.slug) for m in lexicon.find("the nine events of instruction")] == \
        [("item", "the-nine-events")]


def test_an_acronym_the_text_defines_names_what_it_stands_for() -> None:
    """"… the zone of proximal development (ZPD) …" in an entry's text: "ZPD" names that concept;
    every acronym so added spells the initials of a name of its entry (words such as "of" skipped)."""
    from ltgraph.retrieval.lexicon import _SKIPPED, _defined_acronyms, _names

    lexicon = _bundled_lexicon()
    zpd = [(m.kind, m.slug) for m in lexicon.find("what does ZPD stand for")]
    assert ("item", "zone-of-proximal-development") in zpd
    assert ("item", "potential-for-improving-performance") in [(m.kind, m.slug) for m in lexicon.find("the PIP")]
    from ltgraph.config import bundled_corpus_dir

    for entry in load_corpus(entry_files(bundled_corpus_dir())):
        labels = list(_names(entry).labels)
        added: list = []
        _defined_acronyms(entry, added := list(labels))
        for acronym, mention in added[len(labels):]:
            spelled = False
            for key in (k for k, m in labels if m == mention):
                words = [w for w in key.split() if w not in _SKIPPED]
                spelled |= any("".join(w[0] for w in words[i:]) == acronym for i in range(len(words)))
            assert spelled, (acronym, mention)


def test_plural_and_unslashed_entry_names_and_no_correction_to_a_lowercase_acronym() -> None:
    """"flipped classrooms" and "4cid" name their entries; "chart" is not corrected to "chat"
    (CHAT, activity theory) unless typed in capitals, while names are still corrected."""
    lexicon = _bundled_lexicon()
    assert [m.slug for m in lexicon.find("evidence on flipped classrooms")] == ["flipped-classroom"]
    assert [m.slug for m in lexicon.find("4cid blueprint")] == ["four-component-instructional-design"]
    assert lexicon.correct("phillips screwdriver sizes chart") is None
    assert lexicon.correct("conectivism critics") == "connectivism critics"


def test_a_full_name_is_first_and_last_name_whatever_the_initials_and_accents() -> None:
    from ltgraph.retrieval.lexicon import says_full_name

    assert says_full_name("David Merrill instruction", "M. David Merrill")
    assert says_full_name("who is jeroen van merrienboer", "Jeroen J. G. van Merriënboer")
    assert not says_full_name("ann brown reciprocal teaching", "John Seely Brown")
    assert not says_full_name("kolb learning cycle", "David A. Kolb")


def test_adjectives_of_ism_names_describe_their_entry_without_naming_it() -> None:
    """"constructivist", "behaviourists", "humanistic" describe the entry whose name ends in
    "-ism" (the longest adjective first: "social constructivist" is social constructivism),
    but are not names: `find` leaves them to the caller (search), which takes them for the
    entry only when the ranking agrees."""
    lexicon = _bundled_lexicon()
    assert [m.slug for m in lexicon.described("a constructivist lesson for behaviourists")] == \
        ["constructivism", "behaviorism"]
    assert [m.slug for m in lexicon.described("social constructivist group work")] == ["social-constructivism"]
    assert [m.slug for m in lexicon.described("humanistic teachers")] == ["humanism"]
    assert lexicon.find("a constructivist lesson") == []
    assert lexicon.described("constructivism and the artist") == []  # names and other words are not
