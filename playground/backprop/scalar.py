"""A tiny scalar autograd engine in the manner of micrograd, kept for drawing graphs.

Each ``Value`` remembers the operation and operands that made it, so after
``backward()`` every node in the graph carries its value and its gradient.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from playground.errors import PlaygroundError
from playground.i18n import _


class Value:
    def __init__(self, data: float, label: str = "", _children: tuple[Value, ...] = (), _op: str = ""):
        self.data = float(data)
        self.grad = 0.0
        self.label = label
        self._prev = _children
        self._op = _op
        self._backward = lambda: None

    def __repr__(self) -> str:
        return f"Value({self.label or self._op or '?'}={self.data:.4g}, grad={self.grad:.4g})"

    @staticmethod
    def _wrap(other) -> Value:
        return other if isinstance(other, Value) else Value(other, label=f"{other:g}")

    def __add__(self, other) -> Value:
        other = self._wrap(other)
        out = Value(self.data + other.data, _children=(self, other), _op="+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other) -> Value:
        other = self._wrap(other)
        out = Value(self.data * other.data, _children=(self, other), _op="×")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, k: float) -> Value:
        out = Value(self.data**k, _children=(self,), _op=f"^{k:g}")

        def _backward():
            self.grad += k * self.data ** (k - 1) * out.grad

        out._backward = _backward
        return out

    def _unary(self, value: float, slope: float, op: str) -> Value:
        out = Value(value, _children=(self,), _op=op)

        def _backward():
            self.grad += slope * out.grad

        out._backward = _backward
        return out

    def tanh(self) -> Value:
        t = math.tanh(self.data)
        return self._unary(t, 1 - t * t, "tanh")

    def sigmoid(self) -> Value:
        s = 1 / (1 + math.exp(-self.data))
        return self._unary(s, s * (1 - s), "σ")

    def relu(self) -> Value:
        return self._unary(max(self.data, 0.0), float(self.data > 0), "relu")

    def exp(self) -> Value:
        e = math.exp(self.data)
        return self._unary(e, e, "exp")

    def log(self) -> Value:
        return self._unary(math.log(self.data), 1 / self.data, "log")

    def __neg__(self) -> Value:
        return self * -1

    def __sub__(self, other) -> Value:
        return self + (-self._wrap(other))

    def __truediv__(self, other) -> Value:
        return self * self._wrap(other) ** -1

    def __radd__(self, other) -> Value:
        return self + other

    def __rmul__(self, other) -> Value:
        return self * other

    def __rsub__(self, other) -> Value:
        return self._wrap(other) - self

    def activate(self, name: str) -> Value:
        return self if name == "linear" else getattr(self, name)()

    def backward(self) -> None:
        """Fill ``grad`` of every node that leads here, in reverse topological order."""
        for node in topological_order(self):
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(topological_order(self)):
            node._backward()


def topological_order(root: Value) -> list[Value]:
    order, seen = [], set()

    def visit(v: Value) -> None:
        if id(v) not in seen:
            seen.add(id(v))
            for child in v._prev:
                visit(child)
            order.append(v)

    visit(root)
    return order


@dataclass(frozen=True)
class GraphNode:
    id: int
    label: str  # the variable's name, or the operation that made it
    op: str
    value: float
    grad: float
    depth: int  # longest path from an input: inputs are 0


def graph_of(root: Value) -> tuple[list[GraphNode], list[tuple[int, int]]]:
    """Nodes and (from, to) edges of the expression graph ending at ``root``."""
    order = topological_order(root)
    index = {id(v): i for i, v in enumerate(order)}
    depth: dict[int, int] = {}
    for v in order:
        depth[id(v)] = 1 + max((depth[id(c)] for c in v._prev), default=-1)
    nodes = [GraphNode(index[id(v)], v.label or v._op, v._op, v.data, v.grad, depth[id(v)]) for v in order]
    edges = [(index[id(c)], index[id(v)]) for v in order for c in v._prev]
    return nodes, edges


def neuron_expression(inputs, weights, bias, target, activation="sigmoid", loss="mse") -> Value:
    """The one-neuron network as a graph: L(f(Σ wᵢxᵢ + b), y)."""
    z = Value(bias, "b")
    for i, (x, w) in enumerate(zip(inputs, weights), start=1):
        z = z + Value(w, f"w{i}") * Value(x, f"x{i}")
    z.label = "z"
    a = z.activate(activation)
    a.label = "a"
    y = Value(target, "y")
    if loss == "mse":
        out = (y - a) ** 2
    else:
        if not 0 < a.data < 1:
            raise PlaygroundError(_("Binary cross-entropy needs an output between 0 and 1; use sigmoid."))
        out = -(y * a.log() + (1 - y) * (1 - a).log())
    out.label = "L"
    return out


def example_expression(a: float = 2.0, b: float = -3.0, c: float = 6.5) -> Value:
    """The small expression the page starts with: L = tanh(a·b + c), its nodes labelled for the graph."""
    va, vb, vc = Value(a, "a"), Value(b, "b"), Value(c, "c")
    e = va * vb
    e.label = "e = a·b"
    d = e + vc
    d.label = "d = e + c"
    out = d.tanh()
    out.label = "L = tanh d"
    return out


def nodes_by_label(root: Value) -> dict[str, Value]:
    """Every labelled node of ``root``'s graph, by its label."""
    return {v.label: v for v in topological_order(root) if v.label}
