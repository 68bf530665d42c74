"""Reading JSON from clients (request bodies, widget frames) and parsing request bodies into the
pydantic models that state their shape. What is no JSON, JSON nested deeper than Python's parser
goes (a few kilobytes of brackets), and JSON of the wrong shape are the client's mistake: a 400
that names the fields and what is wrong with them, never a 500 with a traceback.

Never logs what it reads, and never repeats a value sent in its answer.
"""
from __future__ import annotations

import json
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, TypeAdapter, ValidationError

Shape = TypeVar("Shape")
Model = TypeVar("Model", bound=BaseModel)
# Enough to say what to fix; a body with many mistakes does not get a page of them.
MAX_PROBLEMS_TOLD = 3


def parse_json(text: str | bytes) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


async def read_json(request: web.Request) -> Any:
    """The body as JSON, as `request.json()` reads it; ValueError for either mistake."""
    return parse_json(await request.text())


def problems(error: ValidationError) -> str:
    """What is wrong, by field, in pydantic's words: "conversation: Field required"."""
    told = [f"{'.'.join(str(part) for part in problem['loc']) or 'body'}: {problem['msg']}"
            for problem in error.errors(include_url=False, include_input=False)[:MAX_PROBLEMS_TOLD]]
    return "; ".join(told)


def bad_request(expected: str, error: ValidationError | None = None) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=f"{expected} ({problems(error)})" if error else expected)


async def read_model(request: web.Request, model: type[Model], expected: str) -> Model:
    """The body parsed into `model`; a 400 saying `expected` (and what is wrong) otherwise."""
    body = await _read_or_refuse(request, expected)
    try:
        return model.model_validate(body)
    except ValidationError as error:
        raise bad_request(expected, error) from None


async def read_shape(request: web.Request, shape: TypeAdapter[Shape], expected: str) -> Shape:
    """Like read_model, for a shape that is not one model class (a union of models)."""
    body = await _read_or_refuse(request, expected)
    try:
        return shape.validate_python(body)
    except ValidationError as error:
        raise bad_request(expected, error) from None


async def _read_or_refuse(request: web.Request, expected: str) -> Any:
    try:
        return await read_json(request)
    except ValueError:
        raise bad_request(expected) from None
