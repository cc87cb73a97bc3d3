"""One finding for every target it holds on, not one per target.

``lint-env check --target macos-arm64,linux-x86_64`` judges each document once per
target. Many findings read the same on every target but for the target's name ("no
requirements file declares jax, so lint-env cannot check its version for macOS arm64"):
those are said once, naming the targets ("... for macOS arm64 and Linux x86_64").
Findings that differ in anything else (the span, the fixes, the related locations,
any other word) stay apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .model import Finding

_SLOT = "\x00"  # stands for the target's name while findings are compared


def merge_across_targets(per_target: Sequence[tuple[str, Sequence[Finding]]]) -> list[Finding]:
    """``per_target``: (target label, its findings) in the order the targets were
    checked. The result keeps that order (first target first)."""
    if len(per_target) < 2:
        return [f for _, found in per_target for f in found]
    groups: dict[tuple, tuple[Finding, str, list[str]]] = {}
    for label, found in per_target:
        for f in found:
            template = f.message.replace(label, _SLOT)
            key = (f.code, f.path, f.span, template, f.fixes, f.related)
            if key in groups:
                labels = groups[key][2]
                if label not in labels:
                    labels.append(label)
            else:
                groups[key] = (f, template, [label])
    out = []
    for first, template, labels in groups.values():
        if len(labels) > 1 and _SLOT in template:
            first = replace(first, message=template.replace(_SLOT, join_labels(labels)))
        out.append(first)
    return out


def join_labels(labels: Sequence[str]) -> str:
    """'macOS arm64', 'macOS arm64 and Linux x86_64', 'A, B and C'."""
    if len(labels) < 2:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]
