"""PyTorch on the Apple GPU (MPS), falling back to the CPU elsewhere."""

import torch
import torchaudio
import torchvision


def pick_device() -> torch.device:
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def main() -> None:
    device = pick_device()
    model = torchvision.models.resnet18(num_classes=10).to(device)
    images = torch.randn(4, 3, 224, 224, device=device)
    print(model(images).shape)
    waveform = torch.randn(1, 16000)
    spec = torchaudio.transforms.MelSpectrogram(sample_rate=16000)(waveform)
    print(spec.shape, torch.__version__)


if __name__ == "__main__":
    main()
