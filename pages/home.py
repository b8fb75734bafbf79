import streamlit as st

from pages.common import device_line, library_versions

st.title("Deep Learning Playground")
st.write(
    "Learn deep learning by doing it, on real data: every page trains real PyTorch models "
    "in your browser session, shows the numbers behind them, and puts a baseline beside every model."
)

LESSONS = [
    (
        "pages/backprop.py",
        "Backpropagation",
        "How a neuron computes its output and how the chain rule turns the error into a gradient "
        "for every weight — checked three ways — then a network learning 2-D data live.",
    ),
    (
        "pages/cnn.py",
        "CNN image classifier",
        "Train a convolutional network on MNIST or Fashion-MNIST and classify images you upload.",
    ),
    (
        "pages/architectures.py",
        "Classic architectures",
        "LeNet, VGG and ResNet: inspect and train them side by side, see why skip connections matter, "
        "and classify photos with a pretrained ResNet-50.",
    ),
    (
        "pages/forecast.py",
        "Time-series forecasting",
        "LSTM and GRU forecasts of stock prices and other series, judged against honest baselines.",
    ),
    (
        "pages/sentiment.py",
        "Sentiment analysis",
        "Recurrent networks reading English and Chinese reviews, from tokens to explained predictions.",
    ),
]
for path, title, text in LESSONS:
    with st.container(border=True):
        st.page_link(path, label=title)
        st.caption(text)

st.subheader("This server")
st.write(device_line())
st.caption(" · ".join(f"{name} {version}" for name, version in library_versions().items()))
