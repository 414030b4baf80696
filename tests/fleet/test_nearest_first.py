"""Nearest first with a cheap bound: the order, distances, radius and total are exactly the geodesic ones."""
from __future__ import annotations

from unittest import mock

from geopy.distance import geodesic
from hypothesis import given, settings
from hypothesis import strategies as st

from fleet.core import geo
from fleet.core.geo import approx_km, distance_km, nearest_first

latitudes = st.floats(min_value=-89.9, max_value=89.9, allow_nan=False)
longitudes = st.floats(min_value=-180, max_value=180, allow_nan=False)
points = st.tuples(latitudes, longitudes)


def near(centre):
    """Points around a centre, from metres to a few hundred km away, some on the same spot."""
    offsets = st.tuples(st.floats(min_value=-3, max_value=3), st.floats(min_value=-3, max_value=3))
    return st.one_of(st.just(centre), offsets.map(lambda d: (max(-89.9, min(89.9, centre[0] + d[0])),
                                                               ((centre[1] + d[1] + 180) % 360) - 180)))


@st.composite
def scenes(draw):
    point = draw(points)
    local = draw(st.booleans())
    where = near(point) if local else points
    places = draw(st.lists(where, min_size=0, max_size=25))
    # several items per place (assets at one hub), named so that names tie too
    items = [(i, draw(st.sampled_from("abcAB")), place) for i, place in enumerate(places)
             for _ in range(draw(st.integers(1, 3)))]
    items = [(n, name, place) for n, (_, name, place) in enumerate(items)]
    count = draw(st.one_of(st.none(), st.integers(0, len(items) + 2)))
    max_km = draw(st.one_of(st.none(), st.floats(min_value=0, max_value=25000)))
    return point, items, count, max_km


def tiebreak(item):
    return (item[1].lower(), item[0])


@settings(max_examples=300, deadline=None)
@given(scenes())
def test_the_order_is_the_exact_geodesic_order(scene):
    point, items, count, max_km = scene
    exact = [(geodesic(point, item[2]).km, tiebreak(item), item) for item in items]
    if max_km is not None:
        exact = [row for row in exact if row[0] <= max_km]
    expected = [(item, km) for km, _, item in sorted(exact, key=lambda r: r[:2])]
    got, total = nearest_first(point, items, lambda i: i[2], tiebreak, count=count, max_km=max_km)
    assert total == len(expected)
    assert got == (expected if count is None else expected[:count])


@settings(max_examples=500, deadline=None)
@given(points, points)
def test_the_distance_is_geopys_geodesic_to_the_last_bit(a, b):
    assert distance_km(a, b) == geodesic(a, b).km


@settings(max_examples=300, deadline=None)
@given(points, points)
def test_the_cheap_distance_is_within_its_bound(a, b):
    exact, cheap = distance_km(a, b), approx_km(a, b)
    assert abs(exact - cheap) <= geo.APPROX_RELATIVE_ERROR * cheap + geo.APPROX_ABSOLUTE_ERROR_KM


def test_the_geodesic_is_computed_for_the_shown_rows_only():
    point = (52.09, 5.12)
    places = [(52.09 + i * 0.05, 5.12) for i in range(200)]  # 5.6 km apart, in a line north
    with mock.patch.object(geo, "distance_km", wraps=geo.distance_km) as exact:
        got, total = nearest_first(point, places, lambda p: p, lambda p: (), count=5)
    assert [p for p, _ in got] == places[:5] and total == 200
    assert exact.call_count < 10
