"""The app's pages, once: the navigation, Home's cards, the page tests and the render benchmark read this list.

Adding a page is its script, ``pages/<slug>.py``, and one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lesson:
    slug: str  # the URL path, and the script's name in pages/
    title: str  # in the navigation and on Home's card
    icon: str  # a Material icon, as Streamlit names it
    teaches: str  # Home's card: what the page teaches, in a sentence
    tabs: tuple[str, ...] = ()  # the page's steps, in order
    heading: str = ""  # the page's own title, when it differs from ``title``

    @property
    def path(self) -> str:
        return f"pages/{self.slug}.py"

    @property
    def page_title(self) -> str:
        return self.heading or self.title


HOME = Lesson("home", "Home", ":material/home:", "", heading="Deep Learning Playground")
LESSONS = (
    Lesson(
        "backprop",
        "Backpropagation",
        ":material/replay:",
        "How a neuron computes its output and how the chain rule turns the error into a gradient "
        "for every weight — checked three ways — then a network learning 2-D data live.",
        ("① One neuron", "② A network on 2-D data", "③ The computation graph"),
    ),
    Lesson(
        "cnn",
        "CNN image classifier",
        ":material/image:",
        "Train a convolutional network on MNIST or Fashion-MNIST and classify images you upload.",
        ("① Data", "② Model and training", "③ Results", "④ Classify your picture"),
    ),
    Lesson(
        "architectures",
        "Classic architectures",
        ":material/account_balance:",
        "LeNet, VGG and ResNet: inspect and train them side by side, see why skip connections matter, "
        "and classify photos with a pretrained ResNet-50.",
        ("① Inspect", "② Train side by side", "③ Why residual connections", "④ Pretrained ResNet-50"),
    ),
    Lesson(
        "forecast",
        "Time-series forecasting",
        ":material/show_chart:",
        "LSTM and GRU forecasts of stock prices and other series, judged against honest baselines.",
        ("① Data", "② Windows", "③ Model and training", "④ Forecast and verdict", "⑤ Backtest"),
    ),
    Lesson(
        "sentiment",
        "Sentiment analysis",
        ":material/chat:",
        "Recurrent networks reading English and Chinese reviews, from tokens to explained predictions.",
        ("① Text to numbers", "② Model and training", "③ Results", "④ Try a sentence"),
    ),
)
PAGES = (HOME, *LESSONS)


def lesson(slug: str) -> Lesson:
    return next(page for page in PAGES if page.slug == slug)
