"""The app's pages, once: the navigation, Home's course outline, the page tests and the render benchmark
read this list. Adding a page is its script, ``pages/<slug>.py``, and one entry here.

Texts are English message ids (marked with ``N_``); the pages translate them when they show them.
"""

from __future__ import annotations

from dataclasses import dataclass

from playground.i18n import N_

COURSE_TITLE = N_("Python Deep Learning: from Neural Networks to Recurrent Neural Networks")


@dataclass(frozen=True)
class Section:
    """A section of the course, and the pages that go with it."""

    number: str
    title: str


COURSE = (
    Section("1.1", N_("Forward and backward propagation")),
    Section("2.1", N_("Implementing image classification")),
    Section("2.2", N_("Common architectures (LeNet, VGG, ResNet)")),
    Section("3.1", N_("Time-series forecasting and NLP applications")),
)


@dataclass(frozen=True)
class Lesson:
    slug: str  # the URL path, and the script's name in pages/
    title: str  # in the navigation and on Home's card
    icon: str  # a Material icon, as Streamlit names it
    teaches: str  # Home's card: what the page teaches, in a sentence
    tabs: tuple[str, ...] = ()  # the page's steps, in order
    section: str = ""  # the course section it belongs to (COURSE)
    heading: str = ""  # the page's own title, when it differs from ``title``

    @property
    def path(self) -> str:
        return f"pages/{self.slug}.py"

    @property
    def page_title(self) -> str:
        return self.heading or self.title

    @property
    def section_title(self) -> str:
        return next((s.title for s in COURSE if s.number == self.section), "")


HOME = Lesson("home", N_("Home"), ":material/home:", "", heading=N_("Deep Learning Playground"))
LESSONS = (
    Lesson(
        "backprop",
        N_("Backpropagation"),
        ":material/replay:",
        N_(
            "How a neuron computes its output and how the chain rule turns the error into a gradient "
            "for every weight — checked three ways — then a network learning 2-D data live."
        ),
        (N_("① One neuron"), N_("② A network on 2-D data"), N_("③ The computation graph"), N_("④ The course's code")),
        section="1.1",
    ),
    Lesson(
        "cnn",
        N_("CNN image classifier"),
        ":material/image:",
        N_("Train a convolutional network on MNIST or Fashion-MNIST and classify images you upload."),
        (
            N_("① Data"),
            N_("② Model and training"),
            N_("③ Results"),
            N_("④ Classify your picture"),
            N_("⑤ The course's code"),
        ),
        section="2.1",
    ),
    Lesson(
        "architectures",
        N_("Classic architectures"),
        ":material/account_balance:",
        N_(
            "LeNet, VGG and ResNet: inspect and train them side by side, see why skip connections matter, "
            "and classify photos with a pretrained ResNet-50."
        ),
        (
            N_("① Inspect"),
            N_("② Train side by side"),
            N_("③ Why residual connections"),
            N_("④ Pretrained ResNet-50"),
            N_("⑤ The course's code"),
        ),
        section="2.2",
    ),
    Lesson(
        "forecast",
        N_("Time-series forecasting"),
        ":material/show_chart:",
        N_("LSTM and GRU forecasts of stock prices and other series, judged against honest baselines."),
        (
            N_("① Data"),
            N_("② Windows"),
            N_("③ Model and training"),
            N_("④ Forecast and verdict"),
            N_("⑤ Backtest"),
            N_("⑥ The course's code"),
        ),
        section="3.1",
    ),
    Lesson(
        "sentiment",
        N_("Sentiment analysis"),
        ":material/chat:",
        N_("Recurrent networks reading English and Chinese reviews, from tokens to explained predictions."),
        (
            N_("① Text to numbers"),
            N_("② Model and training"),
            N_("③ Results"),
            N_("④ Try a sentence"),
            N_("⑤ The course's code"),
        ),
        section="3.1",
    ),
)
PAGES = (HOME, *LESSONS)


def lesson(slug: str) -> Lesson:
    return next(page for page in PAGES if page.slug == slug)
