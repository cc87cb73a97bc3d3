"""Train the image classifier (written for TF 2.15 / Keras 2 on the Linux box)."""

import os

import numpy as np
import tensorflow as tf
import keras
from tensorflow.keras import layers
from keras.preprocessing.text import Tokenizer
import torch
import theano
import wandb

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def build_model(num_classes: int) -> keras.Model:
    return keras.Sequential(
        [
            layers.Input((224, 224, 3)),
            layers.Conv2D(32, 3, activation="relu"),
            layers.GlobalAveragePooling2D(),
            layers.Dense(num_classes, activation="softmax"),
        ]
    )


def main() -> None:
    wandb.init(project="vision-lab")
    tokenizer = Tokenizer(num_words=1000)
    model = build_model(10)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x = np.random.rand(8, 224, 224, 3).astype("float32")
    y = np.random.randint(0, 10, size=(8,))
    model.fit(x, y, epochs=1)
    device = torch.device("cuda")
    print(tokenizer, device, theano.config.device, tf.__version__)


if __name__ == "__main__":
    main()
