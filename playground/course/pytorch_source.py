"""The PyTorch code a page runs, read from the package itself: never a copy that could drift.

``model_source(name)`` gathers, from the modules that define them, the classes the registered
model is built from, its factory and the statement that registers it, and the module-level helpers
they name (``conv_block``, ``_shortcut``, ``CELLS``), in file order. ``build_line`` shows how the
page builds it with its current settings.
"""

from __future__ import annotations

import ast
import inspect
import sys
from collections.abc import Callable
from functools import cache

from playground.course.keras_rules import literal
from playground.models.registry import get_spec


@cache
def _parsed(module_name: str) -> tuple[list[str], dict[str, ast.stmt], list[ast.stmt]]:
    """(source lines, top-level name -> statement, top-level statements) of a module."""
    source = inspect.getsource(sys.modules[module_name])
    tree = ast.parse(source)
    named: dict[str, ast.stmt] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            named[node.name] = node
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    named[target.id] = node
    return source.splitlines(), named, tree.body


def _start(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


def _names(node: ast.stmt) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _registration(statements: list[ast.stmt], name: str) -> ast.stmt | None:
    """The top-level statement that registers ``name`` (it holds the string ``name``)."""
    for node in statements:
        if any(isinstance(n, ast.Constant) and n.value == name for n in ast.walk(node)):
            return node
    return None


@cache
def model_source(name: str) -> str:
    """The source of the registered model ``name``: its factory and registration, and what they use from their file.

    Everything the factory's module defines at top level and the pieces name (classes, helpers, constants)
    is followed, transitively; imports are not.
    """
    spec = get_spec(name)
    module_name = spec.factory.__module__
    lines, named, statements = _parsed(module_name)
    todo = [named.get(spec.factory.__qualname__.split(".")[0]), _registration(statements, name)]
    found: dict[int, ast.stmt] = {}
    while todo:
        node = todo.pop()
        if node is None or id(node) in found:
            continue
        found[id(node)] = node
        todo += [named.get(used) for used in _names(node)]
    chunks = ["\n".join(lines[_start(n) - 1 : n.end_lineno]) for n in sorted(found.values(), key=_start)]
    return f"# {module_name.replace('.', '/')}.py\n\n" + "\n\n\n".join(chunks) + "\n"


def build_kwargs(name: str, input_shape: tuple[int, ...], **kwargs) -> dict:
    """The constructor arguments ``create_for_input(name, input_shape, **kwargs)`` passes to the factory."""
    spec = get_spec(name)
    return (spec.shape_kwargs(tuple(input_shape)) if spec.shape_kwargs else {}) | kwargs


def _call(function: str, *args: str, **kwargs) -> str:
    return f"{function}({', '.join([*args, *(f'{k}={literal(v)}' for k, v in kwargs.items())])})"


def build_line(name: str, input_shape: tuple[int, ...], **kwargs) -> str:
    """How the page builds the model with its current settings, and the arguments the factory receives."""
    shape = literal(tuple(int(v) for v in input_shape))
    return (
        "from playground.models.registry import create_for_input, create_model\n\n"
        f"model = {_call('create_for_input', literal(name), shape, **kwargs)}\n"
        f"# the same as: {_call('create_model', literal(name), **build_kwargs(name, input_shape, **kwargs))}\n"
    )


def pytorch_code(name: str, input_shape: tuple[int, ...], **kwargs) -> str:
    """The model's source followed by the line that builds it for ``input_shape`` (PyTorch's order)."""
    return model_source(name) + "\n\n" + build_line(name, input_shape, **kwargs)


def functions_source(functions: list[Callable]) -> str:
    """The source of plain functions (the neuron page's NumPy and autograd code), with their file."""
    path = functions[0].__module__.replace(".", "/") + ".py"
    return f"# {path}\n\n" + "\n\n".join(inspect.getsource(f) for f in functions)
