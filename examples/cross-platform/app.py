"""Uses whichever accelerator the platform has."""

import numpy as np
import tensorflow as tf
import torch
import torchvision


def describe() -> str:
    if torch.backends.mps.is_available():
        torch_device = "mps"
    elif torch.cuda.is_available():
        torch_device = "cuda"
    else:
        torch_device = "cpu"
    gpus = tf.config.list_physical_devices("GPU")
    return f"torch: {torch_device}, tensorflow GPUs: {len(gpus)}, numpy {np.__version__}, {torchvision.__version__}"


if __name__ == "__main__":
    print(describe())
