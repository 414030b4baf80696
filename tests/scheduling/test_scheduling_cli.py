"""The command line: the JSON contract end to end, and every bad input as exit 2 with one line."""
import json
import subprocess
import sys

import pytest

from sched_builders import asset, instance, request


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "scheduling", *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def good():
    return instance(
        [asset("a1", seats=5, towbar=True)],
        [request("r1", 8, 14, 3, requires={"seats": 5}, location={"lat": 52.36, "lon": 4.88}, max_distance_km=5)],
        bookings=[("b1", "a1", 9, 10)],
    )


def test_generate_solve_check_round_trip(tmp_path):
    inst, sol = tmp_path / "i.json", tmp_path / "s.json"
    assert cli("generate", "--requests", "60", "--assets", "12", "--seed", "5", "--out", str(inst)).returncode == 0
    for method in ("cpsat", "greedy"):
        res = cli("solve", str(inst), "--time-limit", "3", "--workers", "2", "--method", method)
        assert res.returncode == 0, res.stderr
        data = json.loads(res.stdout)
        assert data["method"] == method and data["status"] in ("optimal", "feasible", "unknown")
        assert set(data["metrics"]) == {"requests", "served", "served_hours", "weighted_served_hours",
                                        "upper_bound_weighted_hours", "distance_km", "wall_seconds", "bound_source"}
        sol.write_text(res.stdout)
        checked = cli("check", str(inst), str(sol))
        assert checked.returncode == 0, checked.stderr


def test_generate_with_opening_hours_solves_and_checks(tmp_path):
    inst, sol = tmp_path / "i.json", tmp_path / "s.json"
    res = cli("generate", "--requests", "60", "--assets", "24", "--seed", "2", "--opening-hours", "0.5", "--out", str(inst))
    assert res.returncode == 0, res.stderr
    assert any("open" in a for a in json.loads(inst.read_text())["assets"])
    res = cli("solve", str(inst), "--time-limit", "3")
    assert res.returncode == 0, res.stderr
    sol.write_text(res.stdout)
    assert cli("check", str(inst), str(sol)).returncode == 0


def test_generate_is_deterministic_by_seed():
    a = cli("generate", "--requests", "30", "--assets", "8", "--seed", "3").stdout
    b = cli("generate", "--requests", "30", "--assets", "8", "--seed", "3").stdout
    c = cli("generate", "--requests", "30", "--assets", "8", "--seed", "4").stdout
    assert a == b != c


def test_check_names_the_first_violation(tmp_path):
    data = good()
    inst, sol = tmp_path / "i.json", tmp_path / "s.json"
    inst.write_text(json.dumps(data))
    bad = {"status": "feasible", "method": "cpsat",
           "assignments": [{"request": "r1", "asset": "a1", "start": "2026-12-01T08:00:00Z", "end": "2026-12-01T11:00:00Z"}],
           "unserved": [],
           "metrics": {"requests": 1, "served": 1, "served_hours": 3.0, "weighted_served_hours": 3.0,
                       "upper_bound_weighted_hours": 3.0, "distance_km": 1.6, "wall_seconds": 0.1}}
    sol.write_text(json.dumps(bad))
    res = cli("check", str(inst), str(sol))
    assert res.returncode == 1
    assert "b1" in res.stderr and "Traceback" not in res.stderr


def _mutations():
    def drop(path):
        def f(d):
            obj = d
            for k in path[:-1]:
                obj = obj[k]
            del obj[path[-1]]
        return f

    def set_(path, value):
        def f(d):
            obj = d
            for k in path[:-1]:
                obj = obj[k]
            obj[path[-1]] = value
        return f

    return {
        "missing horizon": drop(["horizon"]),
        "missing request duration": drop(["requests", 0, "duration_minutes"]),
        "missing asset category": drop(["assets", 0, "category"]),
        "unknown hub": set_(["assets", 0, "hub"], "nowhere"),
        "unknown category": set_(["requests", 0, "category"], "spaceship"),
        "unknown booking asset": set_(["bookings", 0, "asset"], "ghost"),
        "naive datetime": set_(["requests", 0, "earliest_start"], "2026-12-01T08:00:00"),
        "naive horizon": set_(["horizon", "start"], "2026-12-01T00:00:00"),
        "not a datetime": set_(["requests", 0, "latest_end"], "tomorrow"),
        "window shorter than duration": set_(["requests", 0, "duration_minutes"], 24 * 60),
        "negative duration": set_(["requests", 0, "duration_minutes"], -30),
        "zero duration": set_(["requests", 0, "duration_minutes"], 0),
        "empty fleet": set_(["assets"], []),
        "wrong version": set_(["version"], 2),
        "hubs not a list": set_(["hubs"], {"id": "h1"}),
        "bad slot": set_(["slot_minutes"], 0),
        "bad priority": set_(["requests", 0, "priority"], 0),
        "negative max distance": set_(["requests", 0, "max_distance_km"], -1),
        "latitude out of range": set_(["hubs", 0, "lat"], 123.0),
        "blackout reversed": set_(["assets", 0, "blackouts"], [{"start": "2026-12-01T10:00:00Z", "end": "2026-12-01T09:00:00Z"}]),
        "duplicate request id": lambda d: d["requests"].append(dict(d["requests"][0])),
        "open not a list": set_(["assets", 0, "open"], "mon-fri 8-20"),
        "open reversed": set_(["assets", 0, "open"], [{"start": "2026-12-01T12:00:00Z", "end": "2026-12-01T08:00:00Z"}]),
        "open naive datetime": set_(["assets", 0, "open"], [{"start": "2026-12-01T08:00:00", "end": "2026-12-01T12:00:00Z"}]),
        "open missing end": set_(["assets", 0, "open"], [{"start": "2026-12-01T08:00:00Z"}]),
    }


@pytest.mark.parametrize("name", sorted(_mutations()))
def test_bad_instance_is_one_line_and_exit_2(tmp_path, name):
    data = good()
    _mutations()[name](data)
    path = tmp_path / "i.json"
    path.write_text(json.dumps(data))
    res = cli("solve", str(path), "--time-limit", "2")
    assert res.returncode == 2, (name, res.stdout, res.stderr)
    assert res.stdout == ""
    assert "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert res.stderr.startswith("error: ")


@pytest.mark.parametrize(
    "args,content",
    [
        (["solve", "{path}"], "{not json"),
        (["solve", "{path}"], "[1, 2]"),
        (["solve", "{missing}"], None),
        (["solve", "{path}", "--time-limit", "-3"], "{}"),
        (["solve", "{path}", "--time-limit", "soon"], "{}"),
        (["solve", "{path}", "--workers", "0"], "{}"),
        (["solve", "{path}", "--method", "magic"], "{}"),
        (["solve"], None),
        (["frobnicate"], None),
        (["check", "{good}", "{path}"], "{not json"),
        (["check", "{good}", "{path}"], '{"assignments": []}'),
        (["check", "{path}", "{good}"], '{"version": 1}'),
        (["generate", "--requests", "-1", "--assets", "3"], None),
        (["generate", "--requests", "5"], None),
        (["generate", "--requests", "5", "--assets", "3", "--opening-hours", "2"], None),
    ],
)
def test_bad_invocation_is_one_line_and_exit_2(tmp_path, args, content):
    path, goodf = tmp_path / "x.json", tmp_path / "good.json"
    goodf.write_text(json.dumps(good()))
    if content is not None:
        path.write_text(content)
    argv = [a.format(path=path, missing=tmp_path / "nope.json", good=goodf) for a in args]
    res = cli(*argv)
    assert res.returncode == 2, (argv, res.stderr)
    assert "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr


@pytest.mark.parametrize("shape, extra", [("hotel", ["--days", "20"]), ("region", ["--days", "2"]), ("town", ["--days", "3"])])
def test_generate_shapes_solve_and_check(tmp_path, shape, extra):
    inst, sol = tmp_path / "i.json", tmp_path / "s.json"
    assert cli("generate", "--requests", "60", "--assets", "12", "--shape", shape, *extra, "--out", str(inst)).returncode == 0
    res = cli("solve", str(inst), "--time-limit", "3")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["metrics"]["bound_source"]
    sol.write_text(res.stdout)
    assert cli("check", str(inst), str(sol)).returncode == 0
