"""A registry of model factories, in the manner of timm's ``create_model``: the one list of models.

Each architecture registers a factory under a name, with its task, a label for
people and the pages that train it. The pages and the CLI list models from here
(``list_models``, ``models_for``), so a new model is one decorated function; model
files record the name and the constructor arguments, so ``load_model`` rebuilds
exactly the same network.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from playground.errors import PlaygroundError
from playground.i18n import _

TASKS = ("tabular", "image", "sequence", "text")
TRAINERS = ("cnn", "architectures")  # the pages that train models they list from here
MAX_PARAMS = 150_000_000  # the largest model a file may ask for: VGG-16 (138 million) fits, with room to spare


@dataclass(frozen=True)
class ModelSpec:
    name: str
    task: str
    factory: Callable[..., nn.Module]
    about: str  # what it is, in English (the message id of ``description``)
    input_shape: tuple[int, ...]  # of one default example, without the batch dimension
    integer_input: bool = False  # token ids rather than real values
    shape_kwargs: Callable[[tuple[int, ...]], dict] | None = None  # input shape -> constructor arguments
    max_params: int = MAX_PARAMS  # a model file asking for more is refused before anything is allocated
    label: str = ""  # how people call it ("LeNet-5"), in English; the name when empty
    trained_on: tuple[str, ...] = ()  # the pages (TRAINERS) that train it: small enough for a CPU in minutes

    @property
    def title(self) -> str:
        """How people call it, in the current language."""
        return _(self.label or self.name)

    @property
    def description(self) -> str:
        """What it is, in the current language."""
        return _(self.about)

    def accepts(self, input_shape: tuple[int, ...]) -> bool:
        """Whether the model can be built for inputs of ``input_shape`` (checked without allocating)."""
        try:
            kwargs = self.shape_kwargs(tuple(input_shape)) if self.shape_kwargs else {}
            model_skeleton(self.name, **kwargs)
        except (IndexError, ValueError, PlaygroundError):
            return False
        return True

    def example_input(self, batch: int = 1) -> torch.Tensor:
        """A batch of inputs the default model accepts (random ids for text models)."""
        if self.integer_input:
            return torch.randint(1, 20, (batch, *self.input_shape))
        return torch.randn(batch, *self.input_shape)


_REGISTRY: dict[str, ModelSpec] = {}


def register_model(
    name: str,
    task: str,
    input_shape: tuple[int, ...],
    description: str = "",
    integer_input: bool = False,
    shape_kwargs: Callable[[tuple[int, ...]], dict] | None = None,
    label: str = "",
    trained_on: tuple[str, ...] = (),
):
    """Decorator: register ``factory(**kwargs) -> nn.Module`` under ``name``.

    ``trained_on`` names the pages that offer it for training (see ``TRAINERS``); ``label`` is
    what they show. Mark ``label`` and ``description`` with ``N_``: they are translated when read
    (``ModelSpec.title``, ``ModelSpec.description``).
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, not {task!r}")
    if unknown := set(trained_on) - set(TRAINERS):
        raise ValueError(f"trained_on must name pages among {TRAINERS}, not {sorted(unknown)}")

    def decorator(factory: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
        if name in _REGISTRY:
            raise ValueError(f"model {name!r} is registered twice")
        doc = description or (factory.__doc__ or "").strip().splitlines()[0]
        _REGISTRY[name] = ModelSpec(
            name,
            task,
            factory,
            doc,
            tuple(input_shape),
            integer_input,
            shape_kwargs,
            label=label,
            trained_on=tuple(trained_on),
        )
        return factory

    return decorator


def list_models(task: str | None = None) -> list[str]:
    """Registered names, sorted, optionally only those for ``task``."""
    return sorted(name for name, spec in _REGISTRY.items() if task in (None, spec.task))


def models_for(page: str) -> list[str]:
    """The models ``page`` trains, in the order they were registered (oldest architectures first)."""
    return [name for name, spec in _REGISTRY.items() if page in spec.trained_on]


def unregister_model(name: str) -> None:
    """Forget ``name`` (for tests that register a throwaway model)."""
    _REGISTRY.pop(name, None)


def get_spec(name: str) -> ModelSpec:
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(list_models())
        raise PlaygroundError(
            _("There is no model called '{name}'; known models: {known}.").format(name=name, known=known)
        ) from None


def create_model(name: str, **kwargs) -> nn.Module:
    """Build the registered model ``name``; the name and arguments are kept on the model."""
    spec = get_spec(name)
    try:
        model = spec.factory(**kwargs)
    except TypeError as exc:
        raise PlaygroundError(
            _("Model '{name}' cannot be built with these settings: {error}.").format(name=name, error=exc)
        ) from None
    model.playground_arch = (name, dict(kwargs))
    return model


def create_for_input(name: str, input_shape: tuple[int, ...], **kwargs) -> nn.Module:
    """Build ``name`` sized for inputs of ``input_shape`` (without the batch dimension)."""
    spec = get_spec(name)
    if spec.shape_kwargs is not None:
        try:
            kwargs = spec.shape_kwargs(tuple(input_shape)) | kwargs
        except (IndexError, ValueError):
            raise PlaygroundError(
                _("'{name}' cannot take inputs of shape {shape}.").format(name=name, shape=list(input_shape))
            ) from None
    return create_model(name, **kwargs)


def model_skeleton(name: str, **kwargs) -> nn.Module:
    """``create_model`` on PyTorch's meta device: the shapes without allocating any memory."""
    try:
        with torch.device("meta"):
            return create_model(name, **kwargs)
    except PlaygroundError:
        raise
    except Exception:  # a factory given absurd numbers (negative sizes, wrong types) fails in many ways
        raise PlaygroundError(_("Model '{name}' cannot be built with these settings.").format(name=name)) from None


def architecture_of(model: nn.Module) -> tuple[str, dict]:
    """The (name, kwargs) a model was created with; PlaygroundError for unregistered models."""
    arch = getattr(model, "playground_arch", None)
    if arch is None:
        raise PlaygroundError(_("Only models built with create_model can be saved."))
    return arch
