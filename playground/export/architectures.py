"""The architectures page's side-by-side comparison as a plain PyTorch script, with its images beside it.

Each model of ``config.compare`` is built right after seeding torch with the run's seed and trained on
the same images with the same budget, as ``vision.architectures.compare`` does; the script's pieces
(model classes, data file, training and test functions) are the CNN page's export's.
"""

from __future__ import annotations

from playground.data.images import ImageDataset
from playground.errors import PlaygroundError
from playground.export import Export, exporter
from playground.export.cnn import (
    assemble,
    closing_cell,
    code,
    images_for,
    markdown,
    model_code,
    npz_bytes,
    page_images,
    parameter_count,
    result_line,
    settings_table,
    setup_cells,
    training_cells,
    training_settings,
)
from playground.i18n import _
from playground.models import get_spec
from playground.vision.architectures import ArchitecturesConfig

COMPARE = """
results = {}
for name, build in MODELS.items():
    torch.manual_seed(SEED)  # every model starts from the same seed, as on the page
    model = build()
    parameters = sum(p.numel() for p in model.parameters())
    print(f"== {name}: {parameters:,} parameters")
    start = time.perf_counter()
    train(model)
    seconds = time.perf_counter() - start
    accuracy = (predict(model, X_test) == y_test).float().mean().item()
    results[name] = {"parameters": parameters, "seconds": seconds, "test_accuracy": accuracy}

print(f"{'model':<14}{'parameters':>12}{'seconds':>10}{'test accuracy':>15}")
for name, row in results.items():
    print(f"{name:<14}{row['parameters']:>12,}{row['seconds']:>10.1f}{row['test_accuracy']:>15.4f}")
"""


@exporter("architectures")
def export_architectures(config: ArchitecturesConfig, data: ImageDataset | None = None) -> Export:
    """The comparison of ``config.compare`` (on ``data``, else the bundled ``config.dataset``) as a script."""
    if not config.compare:
        raise PlaygroundError(_("Choose at least one architecture to train."))
    names = list(dict.fromkeys(config.compare))
    training = config.comparison()
    dataset = images_for(training, data)
    images = page_images(dataset, training)
    shape, n_classes = tuple(dataset.shape), len(dataset.classes)
    parameters = {name: parameter_count(name, shape, n_classes) for name in names}
    classes_source, calls = model_code(names, shape, n_classes)
    data_file = f"architectures-{dataset.name}.npz"
    titles = ", ".join(_(get_spec(name).title) for name in names)
    intro = _(
        "# {models} side by side on {data}\n\nThe architectures page's comparison as a plain PyTorch script: "
        "each model is built right after seeding torch with the same seed and trained on the same images with "
        "the same budget, as on the page, with nothing of the playground imported. Run it as a script or a "
        "notebook from its own folder, where it reads `{file}`; it ends by printing each model's test accuracy."
    ).format(models=titles, data=dataset.describe(), file=data_file)
    model_rows = "\n".join(
        f"| {_(get_spec(name).title)} | {_(get_spec(name).description)} | {parameters[name]:,} |" for name in names
    )
    models_table = (
        "| " + _("architecture") + " | " + _("what it is") + " | " + _("parameters") + " |\n| --- | --- | ---: |\n"
    ) + model_rows
    builders = "\n".join(f'    "{name}": lambda: {calls[name]},' for name in names)
    cells = [
        markdown(intro + "\n\n" + settings_table(training_settings(training, images))),
        *setup_cells(training, data_file),
        markdown(_("## The models") + "\n\n" + models_table),
        code(classes_source + "\n\n\n" + "MODELS = {\n" + builders + "\n}"),
        *training_cells(training),
        markdown(
            _(
                "## Side by side\n\nEach model is trained in turn and then tested on the test images, which were "
                "used neither for training nor for choosing weights."
            )
        ),
        code(COMPARE),
        closing_cell(),
        code(result_line('{name: row["test_accuracy"] for name, row in results.items()}')),
    ]
    return Export(assemble(cells), {data_file: npz_bytes(images)}, metric="test_accuracy")
