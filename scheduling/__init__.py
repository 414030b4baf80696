"""Commonpool's optimiser: pure Python and OR-Tools, no Flask, no SQLAlchemy.

    from scheduling import solve, load_problem, dump_solution
    solution = solve(problem, time_limit=30.0, workers=2, method="cpsat")

The JSON contract is scheduling/README.md, plus one optional field: ``assets[].open``, a list of
``{"start", "end"}`` opening intervals (absent or null: always open). An assignment must start and
end inside open intervals, inclusive; it may span closed time. Also optional: ``assets[].type`` and
``requests[].types`` (the asset types that will do; none: any). See scheduling/README.md.
"""
from .check import CheckError, check_solution, first_violation
from .instance_json import (
    dump_solution,
    dumps_problem,
    load_problem,
    loads_problem,
    problem_from_dict,
    problem_to_dict,
    solution_from_dict,
    solution_to_dict,
)
from .model import (
    Asset,
    Assignment,
    FixedBooking,
    Hub,
    Interval,
    Location,
    Metrics,
    Problem,
    Request,
    Solution,
)
from .solve import METHODS, solve
from .validation import InstanceError, validate_problem

__all__ = [
    "Asset", "Assignment", "FixedBooking", "Hub", "Interval", "Location", "Metrics", "Problem", "Request",
    "Solution", "InstanceError", "METHODS", "solve", "validate_problem", "first_violation", "check_solution", "CheckError",
    "load_problem", "loads_problem", "dump_solution", "dumps_problem", "problem_from_dict", "problem_to_dict",
    "solution_from_dict", "solution_to_dict",
]
