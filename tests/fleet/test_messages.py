"""Messages for people (fleet/core/messages.py): English rendering, stored values, and a guard that every domain
error is raised with a constant template whose placeholders are the values given, so that pybabel extracts it
and the catalogues can translate it."""
from __future__ import annotations

import ast
import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from fleet.core.errors import Conflict, DomainError, ValidationFailed
from fleet.core.messages import Term, When, english, from_json, msg, to_json

ROOT = Path(__file__).resolve().parents[2]


# --- fleet/core/messages.py ----------------------------------------------------------------------------------------

def test_english_without_values_is_the_template_as_written():
    assert english("No such asset.", None) == "No such asset."
    assert english("No such asset.", {}) == "No such asset."
    # a template without values is never %-formatted, so a lone % needs no escaping there
    assert english("Saves 80% of energy.", None) == "Saves 80% of energy."


def test_english_fills_in_names_terms_numbers_and_instants():
    at = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
    text = english("%(asset)s is %(status)s until %(end)s; %(share)s%% used, %(count)d left.",
                   {"asset": "Drill", "status": Term("checked out"), "end": When(at, "Europe/Amsterdam"),
                    "share": 50, "count": 3})
    assert text == "Drill is checked out until Mon 02 Mar 2026 09:00 CET; 50% used, 3 left."


def test_when_prints_in_its_zone_and_term_is_a_string():
    at = datetime(2026, 7, 1, 12, 30, tzinfo=timezone.utc)
    assert str(When(at, "Europe/Berlin")) == "Wed 01 Jul 2026 14:30 CEST"
    assert str(When(at, "UTC")) == "Wed 01 Jul 2026 12:30 UTC"
    assert Term("cancelled") == "cancelled" and isinstance(Term("cancelled"), str)


def test_msg_returns_the_template_unchanged():
    assert msg("Mass (kg)") == "Mass (kg)"


def test_domain_error_keeps_template_values_and_english():
    exc = ValidationFailed("A hub named '%(name)s' exists already.", field="name", name="North")
    assert exc.template == "A hub named '%(name)s' exists already."
    assert exc.params == {"name": "North"}
    assert exc.field == "name"
    assert exc.message == str(exc) == "A hub named 'North' exists already."
    plain = Conflict("That time was just booked by someone else.")
    assert plain.params == {} and plain.message == plain.template and plain.field is None


def test_to_json_of_nothing_is_none():
    assert to_json(None) is None
    assert to_json({}) is None


def test_to_json_shapes():
    at = datetime(2026, 3, 2, 9, 0, tzinfo=timezone(timedelta(hours=1)))
    data = to_json({"status": Term("no show"), "start": When(at, "Europe/Amsterdam"), "asset": "Drill",
                    "count": 3, "share": 0.5, "none": None, "amount": Decimal("12.50"), "day": date(2026, 3, 2)})
    assert data == {"status": {"term": "no show"},
                    "start": {"at": "2026-03-02T08:00:00+00:00", "zone": "Europe/Amsterdam"},
                    "asset": "Drill", "count": 3, "share": 0.5, "none": None,
                    "amount": "12.50", "day": "2026-03-02"}


def test_json_round_trip_keeps_terms_instants_and_plain_values():
    at = datetime(2026, 10, 25, 1, 30, tzinfo=timezone.utc)
    params = {"status": Term("checked out"), "start": When(at, "Europe/London"), "asset": "Cargo bike",
              "count": 2, "share": 0.25, "none": None}
    back = from_json(to_json(params))
    assert back == params
    assert isinstance(back["status"], Term)
    assert isinstance(back["start"], When) and back["start"].zone == "Europe/London"
    assert back["start"].at == at and back["start"].at.utcoffset() == timedelta(0)
    assert not isinstance(back["asset"], Term)
    template = "%(asset)s is %(status)s from %(start)s (%(count)s, %(share)s, %(none)s)."
    assert english(template, back) == english(template, params)


def test_from_json_never_fails_on_bad_values():
    assert from_json(None) == {}
    assert from_json({}) == {}
    bad = {"start": {"at": "not a date", "zone": "Europe/Amsterdam"}, "end": {"at": None, "zone": "UTC"},
           "number": 7, "text": "plain"}
    back = from_json(bad)
    assert back["start"] == str(bad["start"]) and isinstance(back["start"], str)
    assert back["end"] == str(bad["end"]) and isinstance(back["end"], str)
    assert back["number"] == 7 and back["text"] == "plain"
    # a stored message with such values still renders, in English, instead of failing
    assert "not a date" in english("From %(start)s.", back)


def test_opening_hours_describe_themselves_as_templates():
    from fleet.core.opening_hours import parse_opening_hours

    lines = parse_opening_hours("Mon-Fri 08:00-18:00; Sat 09:00-13:00, 14:00-17:00").describe()
    assert [english(template, values) for template, values in lines] == [
        "Mon 08:00-18:00", "Tue 08:00-18:00", "Wed 08:00-18:00", "Thu 08:00-18:00", "Fri 08:00-18:00",
        "Sat 09:00-13:00, 14:00-17:00", "Sun closed"]
    assert all(isinstance(values["day"], Term) for _template, values in lines)
    assert [english(t, v) for t, v in parse_opening_hours("24/7").describe()] == ["Open around the clock"]


# --- the guard: constant templates, placeholders matching the values ----------------------------------------------

ERROR_CLASSES = {"DomainError", "ValidationFailed", "NotFound", "Conflict", "Forbidden"}
PLACEHOLDER = re.compile(r"%\((\w+)\)")
# Not for people in another language: the JSON API describes a jsonschema error in English by design.
# The transition methods pass their refusal (a msg() constant, %(status)s its only value) through one helper.
ALLOWED = {("app/api/input.py", "_describe(error)"), ("fleet/models/transitions.py", "refusal")}


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def error_classes(trees: dict[str, ast.Module]) -> set[str]:
    """The error classes and every class defined under them (LoginThrottled, BadRequest, ...)."""
    classes = set(ERROR_CLASSES)
    grew = True
    while grew:
        grew = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in classes \
                        and any(_name(base) in classes for base in node.bases):
                    classes.add(node.name)
                    grew = True
    return classes


def _templates(arg: ast.expr) -> list[str] | None:
    """The constant template(s) a first argument can be, [] for a re-raised `exc.template`, None otherwise."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return [arg.value]
    if isinstance(arg, ast.Attribute) and arg.attr == "template":
        return []
    if isinstance(arg, ast.Call) and _name(arg.func) == "msg" and len(arg.args) == 1 and not arg.keywords:
        return _templates(arg.args[0]) or None
    if isinstance(arg, ast.IfExp):
        body, orelse = _templates(arg.body), _templates(arg.orelse)
        if body and orelse:
            return body + orelse
    return None


def check_template(template: str, names: set[str]) -> str | None:
    """What is wrong with a template given these value names, or None."""
    placeholders = set(PLACEHOLDER.findall(template.replace("%%", "")))
    if placeholders != names:
        missing, extra = sorted(placeholders - names), sorted(names - placeholders)
        return (f"placeholders do not match the values (no value for {missing}, no placeholder for {extra}): "
                f"{template!r}")
    if not names:
        if "%%" in template:
            return f"'%%' in a template without values is shown as '%%': {template!r}"
        return None
    try:
        template % dict.fromkeys(names, 1)
    except (KeyError, TypeError, ValueError) as exc:
        return f"not a %-template (write a literal % as %%): {template!r} ({exc})"
    return None


def problems_in(source: str, path: str, classes: set[str] = frozenset(ERROR_CLASSES)) -> list[str]:
    problems = []
    for node in ast.walk(ast.parse(source, path)):
        if not isinstance(node, ast.Call):
            continue
        callee = _name(node.func)
        where = f"{path}:{node.lineno}"
        if callee == "msg":
            if len(node.args) != 1 or not (isinstance(node.args[0], ast.Constant)
                                           and isinstance(node.args[0].value, str)):
                problems.append(f"{where}: msg() needs one constant string: {ast.unparse(node)[:120]}")
            continue
        if callee not in classes or not node.args:
            continue
        first = node.args[0]
        if (path, ast.unparse(first)) in ALLOWED:
            continue
        templates = _templates(first)
        if templates is None:
            problems.append(f"{where}: {callee} with a message that is not a constant template: "
                            f"{ast.unparse(first)[:120]}")
            continue
        if any(k.arg is None for k in node.keywords):  # **params: checked where they were first given
            continue
        names = {k.arg for k in node.keywords if k.arg != "field"}
        for template in templates:
            problem = check_template(template, names)
            if problem:
                problems.append(f"{where}: {callee}: {problem}")
    return problems


def _sources() -> dict[str, str]:
    files = sorted([*(ROOT / "fleet").rglob("*.py"), *(ROOT / "app").rglob("*.py")])
    return {str(f.relative_to(ROOT)): f.read_text(encoding="utf-8") for f in files}


def test_every_domain_error_has_a_constant_template_with_matching_values():
    sources = _sources()
    classes = error_classes({path: ast.parse(text, path) for path, text in sources.items()})
    assert {"LoginThrottled", "BadRequest", "UnsupportedMediaType"} <= classes
    problems = [p for path, text in sources.items() for p in problems_in(text, path, classes)]
    assert not problems, "Messages pybabel cannot extract or fill in:\n" + "\n".join(problems)


@pytest.mark.parametrize("source", [
    'raise ValidationFailed(f"A hub named {name!r} exists already.", field="name")',
    'raise NotFound("No such " + kind + ".")',
    'raise Conflict(text)',
    'raise errors.Forbidden(_("Only coordinators can do that."))',
    'raise ValidationFailed("A hub named %(name)s exists.", field="name")',
    'raise ValidationFailed("A hub exists.", field="name", name=name)',
    'raise ValidationFailed("%(a)s and %(b)s.", a=1)',
    'raise ValidationFailed("%(share)s% used.", share=share)',
    'raise ValidationFailed("Saves 80%% of energy.")',
    'raise ValidationFailed("One." if x else f"Two {y}.")',
    'raise ValidationFailed("%(a)s." if x else "Two.", a=1)',
    'LABELS = [msg(f"{x} items")]',
])
def test_the_guard_catches(source):
    assert problems_in(source, "example.py")


@pytest.mark.parametrize("source", [
    'raise ValidationFailed("A hub named \'%(name)s\' exists already.", field="name", name=name)',
    'raise ValidationFailed(exc.template, field="asset_id", **exc.params) from None',
    'raise ValidationFailed("%(share)s%% used by %(who)s.", share=1, who=Term("member"))',
    'raise Conflict("The amount must be positive." if x else "The amount cannot be negative.", field=f)',
    'raise ValidationFailed(msg("Saves 80% of energy."))',
    'raise ValidationFailed("Took %(seconds)g s.", seconds=1.5)',
    'raise ValidationFailed("%(a)s.", **params)',
    'raise KeyError(f"{name} is not a key")',
    'LABELS = {"mass_kg": msg("Mass (kg)")}',
])
def test_the_guard_lets_through(source):
    assert problems_in(source, "example.py") == []


def test_the_guard_knows_subclasses():
    source = "class Throttled(Forbidden):\n    status = 429\n\nraise Throttled(f'Wait {n} minutes.')\n"
    classes = error_classes({"x.py": ast.parse(source)})
    assert "Throttled" in classes
    assert problems_in(source, "x.py", classes)


def test_domain_error_is_the_base_of_the_guarded_classes():
    assert all(issubclass(c, DomainError) for c in (ValidationFailed, Conflict))
