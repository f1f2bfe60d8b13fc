"""MNIST classifiers for DP-SGD: a parameter-free front-end followed by a trainable head.

Opacus needs per-sample gradients, so normalisation is GroupNorm (BatchNorm mixes examples) and
activations are tanh, which keeps activations bounded and helps under clipping (Papernot et al.
2021, "Tempered sigmoid activations for deep learning with differential privacy").

The ScatterNet front-end (Tramer & Boneh 2021, "Differentially private learning needs better
features") is a fixed, data-independent 2-D scattering transform (Morlet wavelets, J=2, L=8, as in
Kymatio) computed with FFTs in plain torch. It has no parameters, so it spends no privacy; the
trainer runs it outside the per-sample gradient machinery and only the head is trained.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from .data import IMAGE_SIDE, NUM_CLASSES


class Classifier(nn.Module):
    """``head(frontend(x))``; the front-end must have no trainable parameters."""

    def __init__(self, frontend: nn.Module, head: nn.Module) -> None:
        super().__init__()
        if any(p.requires_grad for p in frontend.parameters()):
            raise ValueError("the front-end must be fixed: it is not trained privately")
        self.frontend = frontend
        self.head = head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.frontend(x))


# --- the classic small CNN ----------------------------------------------------------------------


def mnist_cnn() -> nn.Sequential:
    """The classic DP MNIST CNN (Papernot et al.), with GroupNorm after each convolution."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 8, stride=2, padding=3),
        nn.GroupNorm(4, 16),
        nn.Tanh(),
        nn.MaxPool2d(2, 1),
        nn.Conv2d(16, 32, 4, stride=2),
        nn.GroupNorm(8, 32),
        nn.Tanh(),
        nn.MaxPool2d(2, 1),
        nn.Flatten(),
        nn.Linear(32 * 4 * 4, 32),
        nn.Tanh(),
        nn.Linear(32, NUM_CLASSES),
    )


# --- ScatterNet ----------------------------------------------------------------------------------


def _gabor(size: int, sigma: float, theta: float, xi: float, slant: float) -> torch.Tensor:
    """Kymatio's periodised 2-D Gabor filter on a size x size grid (complex128)."""
    cos, sin = math.cos(theta), math.sin(theta)
    rotation = torch.tensor([[cos, -sin], [sin, cos]], dtype=torch.float64)
    curvature = rotation @ torch.diag(torch.tensor([1.0, slant**2], dtype=torch.float64))
    curvature = curvature @ rotation.T / (2 * sigma**2)
    axis = torch.arange(size, dtype=torch.float64)
    total = torch.zeros(size, size, dtype=torch.complex128)
    # Sum the copies shifted by one period so the filter is periodic like the FFT convolution.
    for dx in (-size, 0):
        for dy in (-size, 0):
            xx, yy = torch.meshgrid(axis + dx, axis + dy, indexing="ij")
            quadratic = (
                curvature[0, 0] * xx * xx
                + (curvature[0, 1] + curvature[1, 0]) * xx * yy
                + curvature[1, 1] * yy * yy
            )
            phase = (xx * cos + yy * sin) * xi
            total += torch.exp(torch.complex(-quadratic, phase))
    return total / (2 * math.pi * sigma**2 / slant)


def _morlet(size: int, sigma: float, theta: float, xi: float, slant: float) -> torch.Tensor:
    wave = _gabor(size, sigma, theta, xi, slant)
    envelope = _gabor(size, sigma, theta, 0.0, slant)
    return wave - wave.sum() / envelope.sum() * envelope  # zero mean: a wavelet


def _fourier(signal: torch.Tensor) -> torch.Tensor:
    return torch.fft.fft2(signal).real.to(torch.float32)  # the imaginary part is ~0


def _periodise(spectrum: torch.Tensor, resolution: int) -> torch.Tensor:
    """A filter's spectrum folded to the grid 2**resolution times coarser (Kymatio)."""
    size, factor = spectrum.shape[-1], 2**resolution
    low = size // (2 * factor)
    mask = torch.zeros(size, dtype=spectrum.dtype)
    mask[:low] = 1
    mask[size - low :] = 1
    masked = spectrum * mask[:, None] * mask[None, :]
    *batch, _, _ = spectrum.shape
    folded = masked.reshape(*batch, factor, size // factor, factor, size // factor)
    return folded.sum((-4, -2))


def _subsample(spectrum: torch.Tensor, factor: int) -> torch.Tensor:
    """Spatial subsampling by ``factor``, done on the spectrum (periodisation)."""
    if factor == 1:
        return spectrum
    *batch, height, width = spectrum.shape
    folded = spectrum.reshape(*batch, factor, height // factor, factor, width // factor)
    # A sum of slices: a strided complex .mean() over these axes is several times slower.
    total = folded[..., 0, :, 0, :].clone()
    for row in range(factor):
        for col in range(factor):
            if row or col:
                total += folded[..., row, :, col, :]
    return total / factor**2


def _modulus_spectrum(spectrum: torch.Tensor) -> torch.Tensor:
    return torch.fft.fft2(torch.fft.ifft2(spectrum).abs())


class ScatterNet(nn.Module):
    """2-D scattering transform of order 2: (N, 1, 28, 28) -> (N, 81, 7, 7) for J=2, L=8."""

    def __init__(self, j: int = 2, angles: int = 8, side: int = IMAGE_SIDE) -> None:
        super().__init__()
        self.j, self.angles, self.side = j, angles, side
        # Kymatio's padding: a multiple of 2**J with room for one cropped border pixel.
        self.padded = ((side + 2**j) // 2**j + 1) * 2**j
        low_pass = _fourier(_gabor(self.padded, 0.8 * 2 ** (j - 1), 0.0, 0.0, 1.0))
        for scale in range(j):
            self.register_buffer(f"phi{scale}", _periodise(low_pass, scale), persistent=False)
            wavelets = self._wavelets(scale)
            for resolution in range(scale + 1):
                spectra = _periodise(wavelets, resolution)
                self.register_buffer(f"psi{scale}_{resolution}", spectra, persistent=False)

    def _wavelets(self, scale: int) -> torch.Tensor:
        """The L oriented Morlet wavelets of one scale, (L, padded, padded) spectra."""
        sigma, xi, slant = 0.8 * 2**scale, 0.75 * math.pi / 2**scale, 4 / self.angles
        thetas = [(self.angles // 2 - 1 - k) * math.pi / self.angles for k in range(self.angles)]
        return torch.stack([_fourier(_morlet(self.padded, sigma, t, xi, slant)) for t in thetas])

    @property
    def channels(self) -> int:
        return 1 + self.j * self.angles + self.angles**2 * self.j * (self.j - 1) // 2

    @property
    def out_side(self) -> int:
        return self.padded // 2**self.j - 2

    def _psi(self, scale: int, resolution: int) -> torch.Tensor:
        return getattr(self, f"psi{scale}_{resolution}")

    def _low_pass(self, spectrum: torch.Tensor, level: int) -> torch.Tensor:
        """Average with phi, subsample to the final grid, crop the padding: real features."""
        coarse = _subsample(spectrum * getattr(self, f"phi{level}"), 2 ** (self.j - level))
        return torch.fft.ifft2(coarse).real[..., 1:-1, 1:-1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        before = (self.padded - self.side) // 2
        after = self.padded - self.side - before
        padded = nn.functional.pad(x, (before, after, before, after), mode="reflect")
        spectrum = torch.fft.fft2(padded)  # (N, 1, P, P)
        features = [self._low_pass(spectrum, 0)]
        for j1 in range(self.j):
            # First order: |x * psi_j1|, computed at resolution j1 (Kymatio's scheme).
            first = _modulus_spectrum(_subsample(spectrum * self._psi(j1, 0), 2**j1))
            features.append(self._low_pass(first, j1))
            for j2 in range(j1 + 1, self.j):
                # Second order: ||x * psi_j1| * psi_j2| for every pair of orientations.
                second = first.unsqueeze(2) * self._psi(j2, j1)
                second = _modulus_spectrum(_subsample(second, 2 ** (j2 - j1)))
                features.append(self._low_pass(second, j2).flatten(1, 2))
        return torch.cat(features, dim=1)


# --- heads on ScatterNet features ----------------------------------------------------------------


def _scatter_linear(scatter: ScatterNet) -> nn.Sequential:
    """GroupNorm (per example, so DP-compatible) and a linear classifier (Tramer & Boneh)."""
    return nn.Sequential(
        nn.GroupNorm(scatter.channels // 3, scatter.channels, affine=False),
        nn.Flatten(),
        nn.Linear(scatter.channels * scatter.out_side**2, NUM_CLASSES),
    )


def _scatter_cnn(scatter: ScatterNet) -> nn.Sequential:
    """A small tanh CNN on the 81 x 7 x 7 scattering coefficients."""
    return nn.Sequential(
        nn.GroupNorm(scatter.channels // 3, scatter.channels, affine=False),
        nn.Conv2d(scatter.channels, 32, 3, padding=1),
        nn.GroupNorm(8, 32),
        nn.Tanh(),
        nn.AvgPool2d(2),
        nn.Conv2d(32, 32, 3, padding=1),
        nn.GroupNorm(8, 32),
        nn.Tanh(),
        nn.Flatten(),
        nn.Linear(32 * (scatter.out_side // 2) ** 2, NUM_CLASSES),
    )


def _with_scatter(head: Callable[[ScatterNet], nn.Module]) -> Callable[[], Classifier]:
    def build() -> Classifier:
        scatter = ScatterNet()
        return Classifier(scatter, head(scatter))

    return build


MODELS: dict[str, Callable[[], Classifier]] = {
    "mnist_cnn": lambda: Classifier(nn.Identity(), mnist_cnn()),
    "scatter_linear": _with_scatter(_scatter_linear),
    "scatter_cnn": _with_scatter(_scatter_cnn),
}


def build_model(name: str) -> Classifier:
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; known: {', '.join(MODELS)}")
    return MODELS[name]()
