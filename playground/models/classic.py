"""The classic architectures: LeNet-5, VGG and ResNet, as published and in small versions for small images.

The published ResNets use torchvision's layer names and structure, so their
parameter counts match torchvision's and its ImageNet weights load into them.
Every residual block has a ``skip`` switch: off, the same network is plain.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from playground.errors import PlaygroundError
from playground.i18n import N_, _, ngettext, number
from playground.models.registry import MAX_PARAMS, register_model


def image_kwargs(shape: tuple[int, ...]) -> dict:
    if len(shape) != 3 or shape[1] != shape[2]:
        raise ValueError(shape)
    return {"in_channels": shape[0], "image_size": shape[1]}


# ---- LeNet-5 ------------------------------------------------------------------------------------


class LeNet5(nn.Module):
    """Conv(6, 5×5, tanh) → AvgPool(2) → Conv(16, 5×5, tanh) → AvgPool(2) → Dense 120 → 84 → classes (tanh)."""

    def __init__(self, in_channels: int = 1, image_size: int = 28, num_classes: int = 10):
        super().__init__()
        size = ((image_size - 4) // 2 - 4) // 2
        if size < 1:
            raise PlaygroundError(
                _("LeNet-5 needs images of at least 12×12, not {size}×{size}.").format(size=image_size)
            )
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5),
            nn.Tanh(),
            nn.AvgPool2d(2),
            nn.Conv2d(6, 16, 5),
            nn.Tanh(),
            nn.AvgPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * size * size, 120),
            nn.Tanh(),
            nn.Linear(120, 84),
            nn.Tanh(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


@register_model(
    "lenet",
    "image",
    (1, 28, 28),
    shape_kwargs=image_kwargs,
    description=N_("LeNet-5 (LeCun et al. 1998)"),
    label=N_("LeNet-5"),
    trained_on=("cnn", "architectures"),
)
def lenet(in_channels: int = 1, image_size: int = 28, num_classes: int = 10) -> LeNet5:
    return LeNet5(int(in_channels), int(image_size), int(num_classes))


# ---- VGG ----------------------------------------------------------------------------------------

VGG11 = ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512))
VGG16 = ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))


class VGG(nn.Module):
    """Blocks of 3×3 'same' convolutions with ReLU, each followed by MaxPool(2); then a dense head.

    ``blocks``: (convolutions, width) per block. ``pool_to``: an adaptive average pool to this size
    before the head (7 in the published VGGs, as torchvision has it); 0 flattens whatever size is left.
    ``dropout``: after each hidden dense layer; 0 leaves the layer out (the course's VGG has none).
    """

    def __init__(
        self,
        blocks: Sequence[Sequence[int]],
        head: Sequence[int],
        in_channels: int = 3,
        image_size: int = 224,
        num_classes: int = 1000,
        pool_to: int = 0,
        dropout: float = 0.5,
    ):
        super().__init__()
        layers, channels, size = [], in_channels, image_size
        for convs, width in blocks:
            for _conv in range(convs):
                layers += [nn.Conv2d(channels, width, 3, padding=1), nn.ReLU(inplace=True)]
                channels = width
            layers.append(nn.MaxPool2d(2))
            size //= 2
        if size < 1:
            raise PlaygroundError(
                ngettext(
                    "{n} VGG block halves {size}×{size} images to nothing.",
                    "{n} VGG blocks halve {size}×{size} images to nothing.",
                    len(blocks),
                ).format(n=len(blocks), size=image_size)
            )
        flat = channels * (pool_to or size) ** 2
        widths = [flat, *head, num_classes]
        params = sum(p.numel() for layer in layers if isinstance(layer, nn.Conv2d) for p in layer.parameters())
        params += sum((a + 1) * b for a, b in zip(widths, widths[1:]))
        if params > MAX_PARAMS:  # checked before the dense weights exist: a large image would ask for billions
            raise PlaygroundError(
                _(
                    "This VGG would have {n} parameters for {size}×{size} images, more than the {limit} this "
                    "playground builds; use smaller images."
                ).format(n=number(params), size=image_size, limit=number(MAX_PARAMS))
            )
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(pool_to) if pool_to else nn.Identity()
        dense: list[nn.Module] = [nn.Flatten()]
        for width in head:
            dense += [nn.Linear(flat, width), nn.ReLU(inplace=True)] + ([nn.Dropout(dropout)] if dropout else [])
            flat = width
        dense.append(nn.Linear(flat, num_classes))
        self.classifier = nn.Sequential(*dense)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.avgpool(self.features(x)))


def _vgg_factory(blocks, head, pool_to, default_shape, default_dropout=0.5):
    def factory(
        in_channels: int = default_shape[0],
        image_size: int = default_shape[1],
        num_classes: int = 1000 if pool_to else 10,
        blocks: Sequence[Sequence[int]] = blocks,
        head: Sequence[int] = head,
        dropout: float = default_dropout,
    ) -> VGG:
        return VGG(
            [tuple(int(v) for v in b) for b in blocks],
            [int(h) for h in head],
            int(in_channels),
            int(image_size),
            int(num_classes),
            pool_to,
            float(dropout),
        )

    return factory


register_model(
    "vgg11",
    "image",
    (3, 224, 224),
    N_("VGG-11 (Simonyan & Zisserman 2014)"),
    shape_kwargs=image_kwargs,
    label=N_("VGG-11"),
)(_vgg_factory(VGG11, (4096, 4096), 7, (3, 224)))
register_model(
    "vgg16",
    "image",
    (3, 224, 224),
    N_("VGG-16 (Simonyan & Zisserman 2014)"),
    shape_kwargs=image_kwargs,
    label=N_("VGG-16"),
)(_vgg_factory(VGG16, (4096, 4096), 7, (3, 224)))
register_model(
    "vgg-small",
    "image",
    (1, 28, 28),
    N_("A small VGG for 28×28 / 32×32 images: 2 blocks"),
    shape_kwargs=image_kwargs,
    label=N_("VGG (small)"),
    trained_on=("cnn", "architectures"),
)(_vgg_factory(((2, 16), (2, 32)), (128,), 0, (1, 28)))
register_model(
    "vgg-course",
    "image",
    (1, 28, 28),
    N_("The course's VGG: two 3×3 'same' convolutions of 64 filters, MaxPool, Dense 4096 (ReLU), Dense"),
    shape_kwargs=image_kwargs,
    label=N_("VGG as in the course (Dense 4096)"),
    trained_on=("architectures",),
)(_vgg_factory(((2, 64),), (4096,), 0, (1, 28), default_dropout=0.0))


# ---- ResNet -------------------------------------------------------------------------------------


class BasicBlock(nn.Module):
    """Two 3×3 convolutions with batch norm; the input is added back unless ``skip`` is off."""

    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, skip: bool = True):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = _shortcut(inplanes, planes * self.expansion, stride) if skip else None
        self.skip = skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.skip:
            out = out + (x if self.downsample is None else self.downsample(x))
        return self.relu(out)


class Bottleneck(nn.Module):
    """1×1 reduce → 3×3 → 1×1 expand (×4), with batch norm; the input is added back unless ``skip`` is off."""

    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, skip: bool = True):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = _shortcut(inplanes, planes * 4, stride) if skip else None
        self.skip = skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.skip:
            out = out + (x if self.downsample is None else self.downsample(x))
        return self.relu(out)


def _shortcut(inplanes: int, outplanes: int, stride: int) -> nn.Module | None:
    """A 1×1 projection where the shape changes (torchvision's "option B"), else the identity (None)."""
    if stride == 1 and inplanes == outplanes:
        return None
    return nn.Sequential(nn.Conv2d(inplanes, outplanes, 1, stride, bias=False), nn.BatchNorm2d(outplanes))


BLOCKS = {"basic": BasicBlock, "bottleneck": Bottleneck}


class ResNet(nn.Module):
    """Stem → stages of residual blocks (each after the first halves the size) → global average pool → Dense.

    ``stem``: "imagenet" (7×7 stride-2 convolution and a max pool, as published) or "small" (one 3×3
    convolution, for 28×28 / 32×32 images).
    """

    def __init__(
        self,
        block: str,
        layers: Sequence[int],
        widths: Sequence[int],
        in_channels: int = 3,
        num_classes: int = 1000,
        stem: str = "imagenet",
        skip: bool = True,
    ):
        super().__init__()
        if block not in BLOCKS or stem not in ("imagenet", "small") or len(layers) != len(widths):
            raise PlaygroundError(_("A ResNet needs a basic or bottleneck block and one width per stage."))
        cls = BLOCKS[block]
        self.inplanes = widths[0] if stem == "small" else 64
        if stem == "imagenet":
            self.conv1 = nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
        else:
            self.conv1 = nn.Conv2d(in_channels, self.inplanes, 3, 1, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(self.inplanes)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.Identity()
        for i, (count, width) in enumerate(zip(layers, widths, strict=True)):
            blocks = []
            for j in range(count):
                blocks.append(cls(self.inplanes, width, 2 if (i > 0 and j == 0) else 1, skip))
                self.inplanes = width * cls.expansion
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
        self.stages = len(layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(self.inplanes, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The pooled features before the classifier: Keras' ``include_top=False, pooling='avg'``."""
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        for i in range(self.stages):
            x = getattr(self, f"layer{i + 1}")(x)
        return torch.flatten(self.avgpool(x), 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(x))


def _resnet_factory(block, layers, widths, stem, default_classes):
    def factory(
        in_channels: int = 3 if stem == "imagenet" else 1,
        image_size: int = 224,
        num_classes: int = default_classes,
        layers: Sequence[int] = layers,
        widths: Sequence[int] = widths,
        skip: bool = True,
    ) -> ResNet:
        del image_size  # global pooling: any size at least the stem's
        return ResNet(
            block,
            [int(v) for v in layers],
            [int(v) for v in widths],
            int(in_channels),
            int(num_classes),
            stem,
            bool(skip),
        )

    return factory


for _name, _label, _block, _layers, _desc in (
    ("resnet18", N_("ResNet-18"), "basic", (2, 2, 2, 2), N_("ResNet-18 (He et al. 2015)")),
    ("resnet34", N_("ResNet-34"), "basic", (3, 4, 6, 3), N_("ResNet-34 (He et al. 2015)")),
    ("resnet50", N_("ResNet-50"), "bottleneck", (3, 4, 6, 3), N_("ResNet-50 (He et al. 2015), bottleneck blocks")),
):
    register_model(_name, "image", (3, 224, 224), _desc, shape_kwargs=image_kwargs, label=_label)(
        _resnet_factory(_block, _layers, (64, 128, 256, 512), "imagenet", 1000)
    )
register_model(
    "resnet-small",
    "image",
    (1, 28, 28),
    N_("A small ResNet for 28×28 / 32×32 images: 3 stages"),
    shape_kwargs=image_kwargs,
    label=N_("ResNet (small)"),
    trained_on=("cnn", "architectures"),
)(_resnet_factory("basic", (1, 1, 1), (16, 32, 64), "small", 10))
register_model(
    "deep-net",
    "image",
    (1, 28, 28),
    N_("A deep narrow ResNet whose skips can be switched off: the degradation experiment"),
    shape_kwargs=image_kwargs,
    label=N_("Deep narrow ResNet"),
)(_resnet_factory("basic", (6, 6, 6), (16, 16, 16), "small", 10))
