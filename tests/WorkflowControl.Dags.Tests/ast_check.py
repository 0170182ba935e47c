"""Checks generated DAG files: only the expected statement kinds, and every value a plain literal.

Usage: ast_check.py FILE...
Prints one JSON line per file (ASCII only, so every character survives the pipe exactly):
  {"file": ..., "problems": [...], "imports": [...], "dag": {kwarg: value}, "tasks": [{"var": ..., "kwargs": {...}}],
   "edges": [[upstream, downstream], ...]}
Values are literals as Python evaluates them; the few allowed calls appear as {"call": name, "args": [...], "kwargs": {...}}.
"""
from __future__ import annotations

import ast
import json
import sys

# The operator classes of workflowcontrol_tasks/operator.py: one per step category, and the base class.
OPERATORS = {"WorkflowTaskOperator", "ExtractStep", "TransformStep", "LoadStep", "AnalyzeStep", "UtilityStep", "FusedSteps"}
ALLOWED_IMPORTS = {
    ("datetime", "timedelta"),
    ("pendulum", None),
    ("airflow", "DAG"),
    ("workflowcontrol_tasks.operator", "Param"),
} | {("workflowcontrol_tasks.operator", name) for name in OPERATORS}
# Calls allowed inside the DAG(...) arguments, and nowhere else.
ALLOWED_CALLS = {"pendulum.datetime", "timedelta", "Param"}


class Unsafe(Exception):
    """An expression that is neither a literal nor an allowed call."""


def call_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return f"{func.value.id}.{func.attr}"
    raise Unsafe(ast.dump(func)[:200])


def no_surrogates(value):
    """A str holding surrogate code points means an astral character was split into a pair: refuse it."""
    if isinstance(value, str):
        if any("\ud800" <= c <= "\udfff" for c in value):
            raise Unsafe("string with surrogate code points")
    elif isinstance(value, dict):
        for k, v in value.items():
            no_surrogates(k)
            no_surrogates(v)
    elif isinstance(value, list):
        for v in value:
            no_surrogates(v)
    return value


def value_of(node: ast.expr, calls: set[str]):
    """The JSON-able value of a literal expression, allowing only the given calls."""
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        pass
    else:
        if isinstance(value, (tuple, set, bytes, complex)):
            raise Unsafe(type(value).__name__)
        return no_surrogates(value)
    if isinstance(node, ast.Call):
        name = call_name(node.func)
        if name not in calls:
            raise Unsafe(f"call to {name}")
        return {
            "call": name,
            "args": [value_of(a, calls) for a in node.args],
            "kwargs": {k.arg: value_of(k.value, calls) for k in node.keywords if k.arg is not None},
            "starred": any(k.arg is None for k in node.keywords) or any(isinstance(a, ast.Starred) for a in node.args),
        }
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise Unsafe("dict unpacking")
        keys = [ast.literal_eval(k) for k in node.keys]
        if not all(isinstance(k, str) for k in keys):
            raise Unsafe("non-string dict key")
        return {k: value_of(v, calls) for k, v in zip(keys, node.values)}
    if isinstance(node, ast.List):
        return [value_of(e, calls) for e in node.elts]
    raise Unsafe(type(node).__name__)


def check(path: str) -> dict:
    result = {"file": path, "problems": [], "imports": [], "dag": {}, "tasks": [], "edges": []}
    problems = result["problems"]
    with open(path, "rb") as f:
        source = f.read()
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as e:
        problems.append(f"syntax error: {e}")
        return result

    body = list(tree.body)
    while body and isinstance(body[0], (ast.Import, ast.ImportFrom)):
        statement = body.pop(0)
        if isinstance(statement, ast.Import):
            names = [(a.name, None) for a in statement.names if a.asname is None]
        else:
            names = [(statement.module, a.name) for a in statement.names if a.asname is None and statement.level == 0]
        if len(names) != len(statement.names) or any(n not in ALLOWED_IMPORTS for n in names):
            problems.append(f"unexpected import at line {statement.lineno}")
        result["imports"].extend(".".join(p for p in n if p) for n in names)

    if len(body) != 1 or not isinstance(body[0], ast.With):
        problems.append(f"expected exactly one `with DAG(...)` after the imports, found {[type(s).__name__ for s in body]}")
        return result

    block = body[0]
    if len(block.items) != 1 or block.items[0].optional_vars is not None:
        problems.append("the with statement must have exactly one item and no `as`")
        return result
    dag_call = block.items[0].context_expr
    if not (isinstance(dag_call, ast.Call) and isinstance(dag_call.func, ast.Name) and dag_call.func.id == "DAG") or dag_call.args:
        problems.append("the with statement must call DAG(...) with keyword arguments only")
        return result
    for keyword in dag_call.keywords:
        try:
            if keyword.arg is None:
                raise Unsafe("**kwargs")
            result["dag"][keyword.arg] = value_of(keyword.value, ALLOWED_CALLS)
        except Unsafe as e:
            problems.append(f"DAG argument {keyword.arg}: not a literal ({e})")

    defined: set[str] = set()
    for statement in block.body:
        if isinstance(statement, ast.Pass) and len(block.body) == 1:
            continue
        if (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
            and statement.targets[0].id.startswith("t_")
            and isinstance(statement.value, ast.Call)
            and isinstance(statement.value.func, ast.Name)
            and statement.value.func.id in OPERATORS
            and not statement.value.args
        ):
            var = statement.targets[0].id
            if var in defined:
                problems.append(f"{var} assigned twice")
            defined.add(var)
            kwargs = {}
            for keyword in statement.value.keywords:
                try:
                    if keyword.arg is None:
                        raise Unsafe("**kwargs")
                    kwargs[keyword.arg] = value_of(keyword.value, set())
                except Unsafe as e:
                    problems.append(f"{var} argument {keyword.arg}: not a literal ({e})")
            result["tasks"].append({"var": var, "operator": statement.value.func.id, "kwargs": kwargs})
            continue
        if (
            isinstance(statement, ast.Expr)
            and isinstance(statement.value, ast.BinOp)
            and isinstance(statement.value.op, ast.RShift)
            and isinstance(statement.value.left, ast.Name)
            and isinstance(statement.value.right, ast.Name)
        ):
            left, right = statement.value.left.id, statement.value.right.id
            if left not in defined or right not in defined:
                problems.append(f"dependency {left} >> {right} names an undefined task")
            result["edges"].append([left, right])
            continue
        problems.append(f"unexpected {type(statement).__name__} statement at line {statement.lineno}")
    return result


def main(paths: list[str]) -> int:
    for path in paths:
        sys.stdout.write(json.dumps(check(path), ensure_ascii=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.setrecursionlimit(10000)
    sys.exit(main(sys.argv[1:]))
