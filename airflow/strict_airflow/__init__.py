"""A strict test double of Airflow's DAG-authoring interface, one per generation (2.10 and 3.2).

Nothing here is invented: the names come from `authoring/` (taken from Airflow itself), and each behaviour follows the
Airflow source named beside it. What Airflow reserves is enforced exactly as Airflow does it: a read-only property is
a real `property` without a setter, so assigning it fails with Python's own
`AttributeError: property 'task_type' of 'X' object has no setter`; an unknown keyword fails like the generation under
test; task and DAG ids are validated like `validate_key`; `>>` records relationships like `DependencyMixin`. What is
not modelled (scheduling, serialization, templating, mapped tasks) raises `NotImplementedError` instead of pretending.

Usage: `with installed("2.10"): runpy.run_path(dag_file)`; `installed` puts `airflow`, `airflow.models...` (and
`airflow.sdk` for 3.2) into `sys.modules` and removes them, and every module that imported them, afterwards.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import inspect
import json
import logging
import re
import sys
import types
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

AUTHORING = Path(__file__).resolve().parent / "authoring"
GENERATIONS = ("2.10", "3.2")
# validate_key: airflow/utils/helpers.py (2.10) and task-sdk definitions/_internal/node.py (3.x) both use this.
KEY_REGEX = re.compile(r"^[\w.-]+$")
KEY_MAX_LENGTH = 250
TAG_MAX_LENGTH = 100  # TAG_MAX_LEN in airflow/models/dag.py (2.10) and sdk definitions/dag.py (3.x)
# Class attributes subclasses are meant to override (Airflow's documented extension points), and methods they implement.
OVERRIDABLE = frozenset({"execute", "on_kill", "template_fields", "template_ext", "template_fields_renderers",
                         "ui_color", "ui_fgcolor", "operator_extra_links", "shallow_copy_attrs"})


def _load(name: str) -> dict[str, Any]:
    return json.loads((AUTHORING / name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Generation:
    """What one Airflow generation reserves and accepts, read from the authoring data."""

    name: str
    read_only_properties: frozenset[str]
    settable_properties: frozenset[str]
    methods: frozenset[str]
    class_attributes: frozenset[str]
    attributes_set_by_init: frozenset[str]
    operator_keywords: tuple[str, ...]
    dag_keywords: tuple[str, ...]
    param_keywords: tuple[str, ...]

    @property
    def reserved(self) -> frozenset[str]:
        """Every name BaseOperator owns: an operator keeping its own state under one of them changes Airflow."""
        return (self.read_only_properties | self.settable_properties | self.methods | self.class_attributes
                | self.attributes_set_by_init | frozenset(self.operator_keywords))

    @property
    def is_3(self) -> bool:
        return self.name.startswith("3.")


def _generation_2_10() -> Generation:
    operator = _load("baseoperator-2.10.0.json")
    signatures = _load("dag-and-param-2.10.0.json")
    return Generation(
        name="2.10",
        read_only_properties=frozenset(operator["read_only_properties"]),
        settable_properties=frozenset(operator["settable_properties"]),
        methods=frozenset(operator["methods"]),
        class_attributes=frozenset(operator["class_attributes"]),
        attributes_set_by_init=frozenset(operator["instance_attributes_set_by_init"]),
        operator_keywords=tuple(k for k in signatures["BaseOperator.__init__"] if k != "kwargs"),
        dag_keywords=tuple(signatures["DAG.__init__"]),
        param_keywords=tuple(k for k in signatures["Param.__init__"] if k != "kwargs"),
    )


def _generation_3_2() -> Generation:
    classes = _load("baseoperator-3.2.json")["classes"].values()
    signatures = _load("dag-and-param-3.2.json")
    keywords = tuple(_load("baseoperator-init-3.x.json")["BaseOperator.__init__"])
    return Generation(
        name="3.2",
        read_only_properties=frozenset(n for c in classes for n in c["read_only_properties"]),
        settable_properties=frozenset(n for c in classes for n in c["settable_properties"]),
        methods=frozenset(n for c in classes for n in c["methods"]),
        class_attributes=frozenset(),
        # The 3.x data lists no instance attributes; __init__ stores each keyword under its own name.
        attributes_set_by_init=frozenset(keywords) - {"dag", "default_args", "pre_execute", "post_execute",
                                                      "task_display_name", "logger_name"},
        operator_keywords=keywords,
        dag_keywords=tuple(signatures["DAG.fields"]),
        param_keywords=tuple(k for k in signatures["Param.__init__"] if not k.startswith("**")),
    )


def generation(name: str) -> Generation:
    if name == "2.10":
        return _generation_2_10()
    if name == "3.2":
        return _generation_3_2()
    raise ValueError(f"unknown Airflow generation {name!r}; expected one of {GENERATIONS}")


class AirflowException(Exception):
    """airflow.exceptions.AirflowException (both generations)."""


class DuplicateTaskIdFound(AirflowException):
    """airflow.exceptions.DuplicateTaskIdFound."""


class AirflowDagCycleException(AirflowException):
    """airflow.exceptions.AirflowDagCycleException, raised by DagBag's cycle check."""


class ParamValidationError(AirflowException):
    """airflow.exceptions.ParamValidationError."""


class NotModelled(NotImplementedError):
    """The double does not model this part of Airflow; a test that needs it must not pretend."""


class _Notset:
    def __repr__(self) -> str:
        return "NOTSET"


NOTSET = _Notset()


def validate_key(gen: Generation, key: object) -> None:
    """airflow.utils.helpers.validate_key (2.10: AirflowException) / sdk node.validate_key (3.x: ValueError)."""
    if not isinstance(key, str):
        raise TypeError(f"The key has to be a string and is {type(key)}:{key}")
    if gen.is_3:
        if len(key) > KEY_MAX_LENGTH:
            raise ValueError(f"The key has to be less than {KEY_MAX_LENGTH} characters, not {len(key)}")
        if not KEY_REGEX.match(key):
            raise ValueError(f"The key {key!r} has to be made of alphanumeric characters, dashes, "
                             "dots, and underscores exclusively")
        return
    if len(key) > KEY_MAX_LENGTH:
        raise AirflowException(f"The key: {key} has to be less than {KEY_MAX_LENGTH} characters")
    if not KEY_REGEX.match(key):
        raise AirflowException(f"The key {key!r} has to be made of alphanumeric characters, dashes, "
                               "dots and underscores exclusively")


def _unexpected_keyword(owner: str, names: Iterable[str]) -> TypeError:
    return TypeError(f"{owner}() got an unexpected keyword argument {next(iter(names))!r}")


@dataclass
class _Registry:
    """DAGs registered while a file runs (auto_register, like DagContext), and the DAG being defined."""

    dags: list[Any] = field(default_factory=list)
    stack: list[Any] = field(default_factory=list)


def _build(gen: Generation) -> dict[str, types.ModuleType]:
    registry = _Registry()

    class Param:
        """airflow.models.param.Param / airflow.sdk.Param: a default and a JSON schema, validated with jsonschema."""

        def __init__(self, default: Any = NOTSET, description: str | None = None, **kwargs: Any) -> None:
            self.value = default
            self.description = description
            self.schema = kwargs.pop("schema") if "schema" in kwargs else kwargs

        @property
        def has_value(self) -> bool:
            return self.value is not NOTSET and self.value is not None

        def resolve(self, value: Any = NOTSET) -> Any:
            """Param.resolve: the value (or the default) validated against the schema with a FormatChecker."""
            import jsonschema

            final = self.value if value is NOTSET else value
            if final is NOTSET:
                raise ParamValidationError("No value passed and Param has no default value")
            try:
                jsonschema.validate(final, self.schema, format_checker=jsonschema.FormatChecker())
            except jsonschema.ValidationError as error:
                raise ParamValidationError(f"Invalid input for param: {error.message}") from None
            return final

    class DAG:
        """airflow.DAG: keyword arguments of the generation only, ids validated, tasks and relationships kept."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            names = ("dag_id", *[k for k in gen.dag_keywords if k != "dag_id"])
            if len(args) > 1:
                raise TypeError("the double takes dag_id as the only positional argument")
            if args:
                if "dag_id" in kwargs:
                    raise TypeError("DAG.__init__() got multiple values for argument 'dag_id'")
                kwargs["dag_id"] = args[0]
            unknown = [k for k in kwargs if k not in names]
            if unknown:
                raise _unexpected_keyword("DAG.__init__", unknown)
            if "dag_id" not in kwargs:
                raise TypeError("DAG.__init__() missing 1 required positional argument: 'dag_id'")
            validate_key(gen, kwargs["dag_id"])
            self.dag_id: str = kwargs["dag_id"]
            self.kwargs = kwargs
            self.default_args: dict[str, Any] = dict(kwargs.get("default_args") or {})
            self.task_dict: dict[str, Any] = {}
            self.params = {name: value if isinstance(value, Param) else Param(value)
                           for name, value in dict(kwargs.get("params") or {}).items()}
            self.tags = list(kwargs.get("tags") or [])
            for tag in self.tags:
                if len(tag) > TAG_MAX_LENGTH:
                    raise AirflowException(f"tag cannot be longer than {TAG_MAX_LENGTH} characters")
            self._check_start_date(kwargs)
            if kwargs.get("auto_register", True):
                registry.dags.append(self)

        @staticmethod
        def _check_start_date(kwargs: Mapping[str, Any]) -> None:
            start = kwargs.get("start_date")
            if start is not None and (not isinstance(start, dt.datetime) or start.tzinfo is None):
                raise AirflowException("start_date must be a timezone-aware datetime")
            scheduled = kwargs.get("schedule") is not None
            # 2.10 models/dag.py: a schedule without start_date; 3.x sdk dag.py: catchup needs a start_date.
            if start is None and scheduled and (not gen.is_3 or kwargs.get("catchup")):
                raise AirflowException("DAG is missing the start_date parameter")

        def __enter__(self) -> DAG:
            registry.stack.append(self)
            return self

        def __exit__(self, *exc: object) -> None:
            registry.stack.pop()

        def add_task(self, task: Any) -> None:
            if task.task_id in self.task_dict and self.task_dict[task.task_id] is not task:
                raise DuplicateTaskIdFound(f"Task id '{task.task_id}' has already been added to the DAG")
            self.task_dict[task.task_id] = task

        @property
        def tasks(self) -> list[Any]:
            return list(self.task_dict.values())

        def resolve_params(self, conf: Mapping[str, Any] | None = None) -> dict[str, Any]:
            """What a run's `params` hold: dag_run.conf over the defaults, each validated (dag_run_conf_overrides_params)."""
            conf = dict(conf or {})
            return {name: param.resolve(conf.get(name, NOTSET)) for name, param in self.params.items()}

        def validate(self) -> None:
            """What DagBag checks before it keeps a DAG: every Param default valid for its schema (an invalid one is an
            import error, ParamValidationError), no required param without a default on a scheduled DAG, no cycle."""
            scheduled = self.kwargs.get("schedule") is not None
            for name, param in self.params.items():
                if param.value is NOTSET:
                    if scheduled:
                        raise AirflowException("DAG Schedule must be None, if there are any required params "
                                               "without default values")
                    continue
                try:
                    param.resolve()
                except ParamValidationError as error:
                    raise ParamValidationError(f"Invalid default value for param {name!r}: {error}") from None
            self.check_cycle()

        def check_cycle(self) -> None:
            """DagBag's cycle check (airflow.utils.dag_cycle_tester.check_cycle)."""
            state: dict[str, int] = {}

            def visit(task_id: str) -> None:
                state[task_id] = 1
                for child in sorted(self.task_dict[task_id].downstream_task_ids):
                    if state.get(child) == 1:
                        raise AirflowDagCycleException(f"Cycle detected in DAG: {self.dag_id}. Faulty task: {child}")
                    if child not in state:
                        visit(child)
                state[task_id] = 2

            for task_id in sorted(self.task_dict):
                if task_id not in state:
                    visit(task_id)

        def topological_tasks(self) -> list[Any]:
            self.check_cycle()
            done: list[str] = []
            pending = dict(self.task_dict)
            while pending:
                ready = sorted(t for t, task in pending.items() if task.upstream_task_ids <= set(done))
                done.extend(ready)
                for task_id in ready:
                    del pending[task_id]
            return [self.task_dict[t] for t in done]

    keywords = frozenset(gen.operator_keywords) - {"task_id"}

    def _init_keywords(cls: type) -> set[str]:
        """default_args fill any keyword of the __init__ of the class or a base (BaseOperatorMeta._apply_defaults)."""
        names: set[str] = set(gen.operator_keywords)
        for klass in cls.__mro__:
            init = klass.__dict__.get("__init__")
            if init is not None:
                names |= {p.name for p in inspect.signature(init).parameters.values()
                          if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name != "self"}
        return names

    class BaseOperatorMeta(type):
        def __call__(cls, *args: Any, **kwargs: Any) -> Any:
            if args:
                raise AirflowException("Use keyword arguments when initializing operators")
            dag = kwargs.get("dag") or (registry.stack[-1] if registry.stack else None)
            if dag is not None:
                kwargs.setdefault("dag", dag)
                defaults = {**dag.default_args, **dict(kwargs.get("default_args") or {})}
                for name in _init_keywords(cls) & set(defaults):
                    kwargs.setdefault(name, defaults[name])
            kwargs.pop("default_args", None)
            return super().__call__(**kwargs)

    def _unknown_operator_keywords(operator: Any, task_id: str, extra: Mapping[str, Any]) -> Exception:
        message = (f"Invalid arguments were passed to {type(operator).__name__} (task_id: {task_id}). "
                   f"Invalid arguments were:\n**kwargs: {dict(extra)}")
        # 3.x raises TypeError (sdk bases/operator.py); 2.10 AirflowException unless [operators] allow_illegal_arguments.
        return TypeError(message) if gen.is_3 else AirflowException(message)

    def __init__(self: Any, *, task_id: str, **kwargs: Any) -> None:
        extra = {k: v for k, v in kwargs.items() if k not in keywords}
        if extra:
            raise _unknown_operator_keywords(self, task_id, extra)
        validate_key(gen, task_id)
        object.__setattr__(self, "_wfc_double_dag", None)
        self.task_id = task_id
        self.upstream_task_ids = set()
        self.downstream_task_ids = set()
        for name in sorted(gen.attributes_set_by_init - {"task_id", "upstream_task_ids", "downstream_task_ids"}):
            if not name.startswith("_"):
                setattr(self, name, kwargs.get(name))
        self.params = dict(kwargs.get("params") or {})
        self._task_display_property_value = kwargs.get("task_display_name")
        if kwargs.get("retries") is not None and not isinstance(kwargs["retries"], int):
            raise TypeError(f"'retries' type must be int, not {type(kwargs['retries']).__name__}")
        if kwargs.get("retry_delay") is not None and not isinstance(kwargs["retry_delay"], (dt.timedelta, int, float)):
            raise TypeError("retry_delay must be a timedelta or a number of seconds")
        if kwargs.get("dag") is not None:
            self.dag = kwargs["dag"]

    def _relatives(other: Any) -> list[Any]:
        items = list(other) if isinstance(other, (list, tuple, set)) else [other]
        for item in items:
            if not isinstance(item, namespace_base[0]):
                raise AirflowException(f"Relationships can only be set between Operators; received {type(item).__name__}")
        return items

    def set_downstream(self: Any, other: Any) -> None:
        for task in _relatives(other):
            if task.get_dag() is not None and self.get_dag() is not None and task.get_dag() is not self.get_dag():
                raise AirflowException("Tried to set relationships between tasks in more than one DAG")
            self.downstream_task_ids.add(task.task_id)
            task.upstream_task_ids.add(self.task_id)

    def set_upstream(self: Any, other: Any) -> None:
        for task in _relatives(other):
            set_downstream(task, self)

    def __rshift__(self: Any, other: Any) -> Any:
        set_downstream(self, other)
        return other

    def __lshift__(self: Any, other: Any) -> Any:
        set_upstream(self, other)
        return other

    def __rrshift__(self: Any, other: Any) -> Any:
        set_upstream(self, other)
        return self

    def __rlshift__(self: Any, other: Any) -> Any:
        set_downstream(self, other)
        return self

    def get_dag(self: Any) -> Any:
        return self.__dict__.get("_wfc_double_dag")

    def _dag_get(self: Any) -> Any:
        return get_dag(self)

    def _dag_set(self: Any, dag: Any) -> None:
        current = get_dag(self)
        if current is not None and current is not dag:
            raise AirflowException(f"The DAG assigned to {self.task_id} can not be changed.")
        object.__setattr__(self, "_wfc_double_dag", dag)
        dag.add_task(self)

    def _logger(self: Any) -> logging.Logger:
        return logging.getLogger(f"airflow.task.operators.{type(self).__module__}.{type(self).__name__}")

    def _upstream_list(self: Any) -> list[Any]:
        return [get_dag(self).task_dict[t] for t in sorted(self.upstream_task_ids)]

    def _downstream_list(self: Any) -> list[Any]:
        return [get_dag(self).task_dict[t] for t in sorted(self.downstream_task_ids)]

    modelled_getters = {
        "task_type": lambda self: type(self).__name__,
        "operator_name": lambda self: type(self).__name__,
        "operator_class": lambda self: type(self),
        "dag_id": lambda self: get_dag(self).dag_id if get_dag(self) else f"adhoc_{self.owner}",
        "node_id": lambda self: self.task_id,
        "label": lambda self: self.task_id,
        "task_display_name": lambda self: self._task_display_property_value or self.task_id,
        "log": _logger,
        "upstream_list": _upstream_list,
        "downstream_list": _downstream_list,
        "roots": lambda self: [self],
        "leaves": lambda self: [self],
    }

    def _not_modelled_getter(name: str) -> Any:
        def getter(self: Any) -> Any:
            raise NotModelled(f"the Airflow double does not model BaseOperator.{name}")
        return getter

    def _plain_setter(name: str) -> Any:
        def setter(self: Any, value: Any) -> None:
            self.__dict__["_wfc_double_" + name] = value
        return setter

    def _plain_getter(name: str) -> Any:
        def getter(self: Any) -> Any:
            return self.__dict__.get("_wfc_double_" + name)
        return getter

    def _not_modelled_method(name: str) -> Any:
        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            raise NotModelled(f"the Airflow double does not model BaseOperator.{name}()")
        method.__name__ = name
        return method

    def execute(self: Any, context: Any) -> Any:
        raise NotImplementedError()

    def on_kill(self: Any) -> None:
        return None

    namespace: dict[str, Any] = {name: _not_modelled_method(name) for name in gen.methods}
    namespace.update({name: None for name in gen.class_attributes if not name.startswith("_")})
    namespace.update(template_fields=(), template_ext=(), template_fields_renderers={}, ui_color="#fff",
                     ui_fgcolor="#000", shallow_copy_attrs=(), operator_extra_links=())
    for name in gen.read_only_properties:
        namespace[name] = property(modelled_getters.get(name) or _not_modelled_getter(name))
    for name in gen.settable_properties:
        namespace[name] = property(_plain_getter(name), _plain_setter(name))
    namespace["dag"] = property(_dag_get, _dag_set)
    namespace.update(__init__=__init__, __rshift__=__rshift__, __lshift__=__lshift__, __rrshift__=__rrshift__,
                     __rlshift__=__rlshift__, set_downstream=set_downstream, set_upstream=set_upstream,
                     get_dag=get_dag, has_dag=lambda self: get_dag(self) is not None, execute=execute,
                     on_kill=on_kill, __module__="airflow.models.baseoperator",
                     __doc__=f"Strict double of Airflow {gen.name}'s BaseOperator.")
    base_operator = BaseOperatorMeta("BaseOperator", (), namespace)
    namespace_base = [base_operator]

    exceptions = types.ModuleType("airflow.exceptions")
    for exception in (AirflowException, DuplicateTaskIdFound, AirflowDagCycleException, ParamValidationError):
        setattr(exceptions, exception.__name__, exception)

    modules: dict[str, types.ModuleType] = {}

    def module(name: str, **attrs: Any) -> types.ModuleType:
        mod = types.ModuleType(name)
        mod.__dict__.update(attrs)
        mod.__path__ = []  # a package, so submodules resolve
        modules[name] = mod
        return mod

    module("airflow", DAG=DAG, __version__=gen.name, strict_double=gen, registry=registry)
    modules["airflow.exceptions"] = exceptions
    module("airflow.models", DAG=DAG, BaseOperator=base_operator)
    module("airflow.models.dag", DAG=DAG)
    if gen.is_3:
        module("airflow.sdk", DAG=DAG, BaseOperator=base_operator, Param=Param)
        module("airflow.sdk.definitions")
        module("airflow.sdk.definitions.param", Param=Param)
        modules["airflow.models.param"] = _deprecated_module("airflow.models.param", "airflow.sdk", Param=Param)
    else:
        module("airflow.models.baseoperator", BaseOperator=base_operator)
        module("airflow.models.param", Param=Param)
    for name, mod in modules.items():  # as the import system does: each submodule is an attribute of its parent
        parent, _, child = name.rpartition(".")
        if parent:
            setattr(modules[parent], child, mod)
    return modules


def _deprecated_module(name: str, new: str, **attrs: Any) -> types.ModuleType:
    """airflow/models/__init__.py add_deprecated_classes (3.x): the old path works but warns on every import."""

    class Deprecated(types.ModuleType):
        def __getattr__(self, attr: str) -> Any:
            if attr in attrs:
                warnings.warn(f"{name}.{attr} is deprecated. Please use `{new}.{attr}` instead.",
                              DeprecationWarning, stacklevel=2)
                return attrs[attr]
            raise AttributeError(attr)

    return Deprecated(name)


def _is_airflow_bound(name: str) -> bool:
    return name == "airflow" or name.startswith("airflow.") or name.startswith("workflowcontrol_tasks.operator") \
        or name == "workflowcontrol_tasks.compat"


def _forget(names: Iterable[str]) -> None:
    """Drops modules from sys.modules and from their parent package, so the next import really imports again."""
    for key in list(names):
        sys.modules.pop(key, None)
        parent, _, child = key.rpartition(".")
        if parent in sys.modules and getattr(sys.modules[parent], child, None) is not None:
            with contextlib.suppress(AttributeError):
                delattr(sys.modules[parent], child)


@contextlib.contextmanager
def installed(name: str) -> Iterator[types.ModuleType]:
    """Airflow `name` ("2.10" or "3.2") importable for the duration; yields the fake `airflow` package.

    Every module bound to it (the operator and its compatibility shim) is imported afresh inside and forgotten after,
    so nothing built on one generation's classes leaks into a test of the other.
    """
    gen = generation(name)
    saved = {k: v for k, v in sys.modules.items() if _is_airflow_bound(k)}
    _forget(saved)
    modules = _build(gen)
    sys.modules.update(modules)
    try:
        yield modules["airflow"]
    finally:
        _forget([k for k in sys.modules if _is_airflow_bound(k)])
        sys.modules.update(saved)
