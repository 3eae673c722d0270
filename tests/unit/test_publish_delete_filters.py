"""A sync's deleted keys go to CKAN many per ``datastore_delete`` call, and each call removes
exactly the keys asked: CKAN ANDs the filters' fields and reads a list as ``IN`` (its DataStore
backend's ``_where_clauses``), evaluated here as CKAN does on a table holding other rows too."""

from __future__ import annotations

import itertools
from typing import Any

from dgti_data.publish.apply import DELETE_KEYS, delete_filters


def matches(filters: dict[str, Any], row: dict[str, Any]) -> bool:
    """CKAN's reading of ``filters``: every field must match; a list is any of its values."""
    return all(row[f] in v if isinstance(v, list) else row[f] == v for f, v in filters.items())


def deleted(pk: list[str], table: list[tuple[Any, ...]],
            filters: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    rows = [dict(zip(pk, key, strict=True)) for key in table]
    return {tuple(r[f] for f in pk) for r in rows if any(matches(f, r) for f in filters)}


def test_a_one_field_key_goes_by_lists_of_delete_keys():
    keys = [(f"DGTi-2567-{i:06d}",) for i in range(1, 1201)]
    table = keys + [(f"DGTi-2568-{i:06d}",) for i in range(1, 300)]
    calls = list(delete_filters(["submission_id"], keys))
    assert len(calls) == 3 and all(len(c["submission_id"]) <= DELETE_KEYS for c in calls)
    assert deleted(["submission_id"], table, calls) == set(keys)


def test_a_two_field_key_lists_the_field_that_leaves_fewest_calls():
    offices = [f"{n:07d}" for n in range(1000001, 1000006)]
    table = [(office, f"R{i:03d}") for office, i in itertools.product(offices, range(1, 201))]
    keys = [k for k in table if int(k[1][1:]) % 3 == 0]  # 66 keys in each of 5 offices
    calls = list(delete_filters(["lao_code", "response_no"], keys))
    assert len(calls) == 5  # one per office, its response numbers listed
    assert all(isinstance(c["lao_code"], str) and isinstance(c["response_no"], list) for c in calls)
    assert deleted(["lao_code", "response_no"], table, calls) == set(keys)
    # Shared response numbers, one office each: the offices are listed instead.
    keys = [(office, "R001") for office in offices]
    calls = list(delete_filters(["lao_code", "response_no"], keys))
    assert calls == [{"response_no": "R001", "lao_code": offices}]
    assert deleted(["lao_code", "response_no"], table, calls) == set(keys)


def test_keys_sharing_nothing_are_never_listed_in_two_fields_at_once():
    """Two fields listed together would also delete their cross products (a1-b2, a2-b1)."""
    table = [(a, b) for a in ("a1", "a2", "a3") for b in ("b1", "b2", "b3")]
    keys = [("a1", "b1"), ("a2", "b2"), ("a3", "b3")]
    calls = list(delete_filters(["a", "b"], keys))
    assert all(sum(isinstance(v, list) for v in c.values()) == 1 for c in calls)
    assert deleted(["a", "b"], table, calls) == set(keys)


def test_a_three_field_key_and_no_keys():
    table = list(itertools.product(("2566", "2567"), ("10", "20"), [f"{i:03d}" for i in range(40)]))
    keys = [k for k in table if k[0] == "2567" and int(k[2]) < 30]
    calls = list(delete_filters(["year", "province", "no"], keys, per_call=25))
    assert len(calls) == 4  # two provinces, 30 numbers each in calls of at most 25
    assert deleted(["year", "province", "no"], table, calls) == set(keys)
    assert list(delete_filters(["year", "province", "no"], [])) == []
