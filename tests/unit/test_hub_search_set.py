"""The Thai search set is well formed and scored as docs/thai-search.md says."""

from __future__ import annotations

from dgti_data.hub import search_set


def test_the_set_meets_the_issue_size_and_names_only_its_datasets() -> None:
    the_set = search_set.load()
    assert len(the_set.datasets) >= 15 and len(the_set.queries) >= 40
    assert all(rel and rel <= set(the_set.datasets) for _, rel in the_set.queries)


def test_recall_at_10_and_precision() -> None:
    the_set = search_set.SearchSet(
        datasets={"a": {}, "b": {}, "c": {}},
        queries=[("x", frozenset({"a", "b"})), ("y", frozenset({"c"}))],
    )
    answers = {"x": ["a", "c"], "y": ["c"]}
    score = search_set.score(the_set, answers.__getitem__)
    assert score.recall_at_10 == (0.5 + 1.0) / 2
    assert score.precision == 2 / 3
    assert score.misses == {"x": ["b"]} and score.noise == {"x": ["c"]}


def test_only_the_first_ten_results_count() -> None:
    the_set = search_set.SearchSet(datasets={str(i): {} for i in range(12)},
                                   queries=[("q", frozenset({"11"}))])
    score = search_set.score(the_set, lambda q: [str(i) for i in range(12)])
    assert score.recall_at_10 == 0.0 and score.returned == 10
