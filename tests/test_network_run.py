"""The backprop page's network between Train presses: epochs numbered across runs, one epoch steps, adoption."""

import dataclasses

from playground.backprop.network import NetworkConfig, build, decision_grid, train
from playground.backprop.session import NetworkRun


def test_epochs_are_numbered_across_runs_and_the_boundary_follows_the_weights():
    config = NetworkConfig(dataset="xor", hidden=(4,), epochs=3, seed=1)
    run = NetworkRun.fresh(config)
    before = run.grid[2].copy()
    run.step(config)
    history = train(run.model, run.data, config, 3)
    run.add(history.epochs, [[1.0, 2.0]] * 3)
    assert [r.epoch for r in run.rows] == [1, 2, 3, 4]
    assert len(run.grad_norms) == 4 and run.grad_norms[-1] == [1.0, 2.0]
    assert not (run.grid[2] == before).all()
    assert (run.grid[2] == decision_grid(run.model, run.data)[2]).all()


def test_only_settings_that_change_data_or_network_start_afresh():
    config = NetworkConfig(dataset="xor", hidden=(4,), seed=1)
    run = NetworkRun.fresh(config)
    assert run.matches(dataclasses.replace(config, lr=0.3, epochs=10, l2=0.01))
    assert not run.matches(dataclasses.replace(config, hidden=(4, 4)))
    assert not run.matches(dataclasses.replace(config, seed=2))


def test_a_target_trains_the_same_model_and_adopt_starts_the_history_again():
    config = NetworkConfig(dataset="circle", hidden=(3,), seed=0)
    run = NetworkRun.fresh(config)
    run.step(config)

    class Context:
        stop = None

        def publish(self, key, value):
            self.published = key

        def __getattr__(self, name):  # the other Callback hooks do nothing
            return lambda *args, **kwargs: None

    history = run.target(config, 2)(Context())
    assert len(history.epochs) == 2
    other, _ = build(config)
    run.adopt(other)
    assert run.model is other and run.rows == [] and run.grad_norms == []
