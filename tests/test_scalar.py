import pytest
import torch

from playground.backprop import scalar
from playground.backprop.neuron import Neuron, backward


def test_scalar_engine_matches_torch_on_a_mixed_expression():
    a, b, c = scalar.Value(-4.0, "a"), scalar.Value(2.0, "b"), scalar.Value(0.7, "c")
    d = a * b + b**3
    e = (d / 8).tanh() * c.sigmoid() + (c * 2).exp() - (a * a).log() + (a + 6).relu()
    e.backward()

    ta, tb, tc = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (-4.0, 2.0, 0.7))
    td = ta * tb + tb**3
    te = torch.tanh(td / 8) * torch.sigmoid(tc) + torch.exp(tc * 2) - torch.log(ta * ta) + torch.relu(ta + 6)
    te.backward()

    assert e.data == pytest.approx(te.item())
    for v, t in ((a, ta), (b, tb), (c, tc)):
        assert v.grad == pytest.approx(t.grad.item(), rel=1e-10)


def test_neuron_graph_gradients_equal_the_hand_derived_ones():
    n = Neuron()
    root = scalar.neuron_expression(n.inputs, n.weights, n.bias, n.target, n.activation, n.loss)
    root.backward()
    nodes, edges = scalar.graph_of(root)
    by_label = {node.label: node for node in nodes}
    hand = backward(n)
    for i in range(3):
        assert by_label[f"w{i + 1}"].grad == pytest.approx(hand.dL_dw[i])
    assert by_label["b"].grad == pytest.approx(hand.dL_db)
    assert by_label["L"].depth == max(node.depth for node in nodes)
    assert all(0 <= src < len(nodes) and 0 <= dst < len(nodes) for src, dst in edges)


def test_backward_twice_does_not_accumulate():
    root = scalar.example_expression()
    root.backward()
    first = [node.grad for node in scalar.topological_order(root)]
    root.backward()
    assert [node.grad for node in scalar.topological_order(root)] == first


def test_example_expression_gradients_follow_the_chain_rule():
    import math

    root = scalar.example_expression(1.5, -2.0, 4.0)
    root.backward()
    nodes = scalar.nodes_by_label(root)
    d = 1.5 * -2.0 + 4.0
    assert root.data == pytest.approx(math.tanh(d))
    dd = 1 - math.tanh(d) ** 2
    assert nodes["d = e + c"].grad == pytest.approx(dd)
    assert nodes["a"].grad == pytest.approx(dd * -2.0)
    assert nodes["b"].grad == pytest.approx(dd * 1.5)
    assert nodes["c"].grad == pytest.approx(dd)
