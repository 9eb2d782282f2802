"""Validate decoded parameters against a pydantic model, turning failures into 400s."""

from __future__ import annotations

import difflib
from functools import cache
from typing import Any, TypeVar

from pydantic import AliasChoices, AliasPath, BaseModel, ConfigDict, ValidationError

from trackpost.core.errors import BadRequest, InvalidParameter, MissingParameter, UnknownParameter

M = TypeVar("M", bound=BaseModel)


class ParamModel(BaseModel):
    """Base of every endpoint's parameter schema: unknown names are refused, not ignored."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=False,
        coerce_numbers_to_str=True,
        frozen=True,
        hide_input_in_errors=True,
    )


def _loc(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc] or ["body"]
    head, *rest = parts
    return head + "".join(f"[{p}]" for p in rest)


@cache
def known_names(model: type[BaseModel]) -> frozenset[str]:
    """Every name a model reads: its fields and their aliases."""
    names: set[str] = set()
    for name, info in model.model_fields.items():
        names.add(name)
        for alias in (info.alias, info.validation_alias):
            if isinstance(alias, str):
                names.add(alias)
            elif isinstance(alias, AliasChoices):
                names.update(c for c in alias.choices if isinstance(c, str))
            elif isinstance(alias, AliasPath) and isinstance(alias.path[0], str):
                names.add(alias.path[0])
    return frozenset(names)


def validate(model: type[M], params: dict[str, Any], *, ignore_unknown: bool = False) -> M:
    """Build the model, reporting every unknown name or else the first bad parameter."""
    known = known_names(model)
    if not known.issuperset(params) and model.model_config.get("extra") == "forbid":
        if ignore_unknown:
            params = {k: v for k, v in params.items() if k in known}
        else:
            # Before any value is judged: a typo is the likelier cause of a bad request (a
            # blank one too: it is judged by its name before blanks are dropped).
            raise unknown_names(sorted(k for k in params if k not in known), model)
    values = params.values()
    if None in values or "" in values:
        # A blank value (PHP clients send one for every field they do not set) and JSON null
        # both mean "not given", as an absent field does, on every endpoint and for every
        # type: they never reach a column as NULL nor change a stored value. Clearing is said
        # with a value of its own (REMOVE, or 0 for an optional id).
        params = {k: v for k, v in params.items() if v is not None and v != ""}
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        raise to_bad_request(exc, model) from None


def unknown_names(extras: list[str], model: type[BaseModel] | None) -> UnknownParameter:
    """The 400 naming every unknown parameter, and the documented name a typo probably meant."""
    names = ", ".join(f"'{n}'" for n in extras)
    noun = "parameter" if len(extras) == 1 else "parameters"
    return UnknownParameter(f"Unknown {noun} {names}{_suggestion(extras, model)}.")


def _suggestion(names: list[str], model: type[BaseModel] | None) -> str:
    """' (did you mean 'firstname'?)' when an unknown name is close to a documented one."""
    if model is None:
        return ""
    hints = []
    for name in names:
        close = difflib.get_close_matches(name, known_names(model), n=1, cutoff=0.75)
        if close:
            hints.append(f"'{close[0]}'" + (f" for '{name}'" if len(names) > 1 else ""))
    return f" (did you mean {', '.join(hints)}?)" if hints else ""


def to_bad_request(exc: ValidationError, model: type[BaseModel] | None = None) -> BadRequest:
    """Pick the clearest message from a pydantic error list."""
    errors = exc.errors(include_url=False, include_input=False)
    extras = sorted({_loc(e["loc"]) for e in errors if e["type"] == "extra_forbidden"})
    if extras:
        return unknown_names(extras, model)
    missing = [e for e in errors if e["type"] == "missing"]
    if missing:
        return MissingParameter(f"Missing required parameter '{_loc(missing[0]['loc'])}'.")
    first = errors[0]
    name = _loc(first["loc"])
    ctx = first.get("ctx") or {}
    if "reason" in ctx and first["type"] == "value_error":
        return InvalidParameter(f"Parameter '{name}' is invalid: {ctx['reason']}.")
    msg = str(first["msg"]).removeprefix("Value error, ").rstrip(".")
    return InvalidParameter(f"Parameter '{name}' is invalid: {msg[:1].lower()}{msg[1:]}.")
