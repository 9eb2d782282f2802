"""Validate decoded parameters against a pydantic model, turning failures into 400s."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

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


def validate(model: type[M], params: dict[str, Any]) -> M:
    """Build the model, reporting every unknown name or else the first bad parameter."""
    if None in params.values():
        # JSON null means "not given", as an absent form field does: it never reaches a
        # column as NULL, whatever the parameter's type.
        params = {k: v for k, v in params.items() if v is not None}
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        raise to_bad_request(exc) from None


def to_bad_request(exc: ValidationError) -> BadRequest:
    """Pick the clearest message from a pydantic error list."""
    errors = exc.errors(include_url=False, include_input=False)
    extras = sorted({_loc(e["loc"]) for e in errors if e["type"] == "extra_forbidden"})
    if extras:
        names = ", ".join(f"'{n}'" for n in extras)
        noun = "parameter" if len(extras) == 1 else "parameters"
        return UnknownParameter(f"Unknown {noun} {names}.")
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
