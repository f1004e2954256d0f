"""Colours and sizes shared by the views (presentation mode swaps the theme)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Tableau 10 then a few more: distinct, readable on light and dark backgrounds.
PALETTE = [
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
    (174, 199, 232), (255, 187, 120), (152, 223, 138), (255, 152, 150),
]
NEUTRAL = (150, 150, 150)


@dataclass(frozen=True)
class Theme:
    background: str = "#ffffff"
    foreground: str = "#202124"
    legend_background: tuple = (255, 255, 255, 210)
    point_size: int = 9
    label_size: int = 9
    font_size: int = 10
    name: str = "light"
    label: str = "Light"
    grid_alpha: float = 0.15
    dark: bool = False  # dark window chrome (palette) too

    def scaled(self, factor: float, name_suffix: str = "") -> "Theme":
        """The same colours with points, labels and fonts `factor` times bigger."""
        from dataclasses import replace

        return replace(self, point_size=round(self.point_size * factor),
                       label_size=round(self.label_size * factor), font_size=round(self.font_size * factor),
                       name=self.name + name_suffix)


LIGHT = Theme()
DARK = Theme(background="#1e1f22", foreground="#e8eaed", legend_background=(40, 42, 46, 220),
             name="dark", label="Dark", dark=True)
HIGH_CONTRAST_LIGHT = Theme(background="#ffffff", foreground="#000000", legend_background=(255, 255, 255, 245),
                            point_size=11, label_size=11, font_size=12, name="high-contrast-light",
                            label="High-contrast light", grid_alpha=0.3)
HIGH_CONTRAST_DARK = Theme(background="#000000", foreground="#ffffff", legend_background=(0, 0, 0, 245),
                           point_size=11, label_size=11, font_size=12, name="high-contrast-dark",
                           label="High-contrast dark", grid_alpha=0.35, dark=True)
THEMES = {t.name: t for t in (LIGHT, DARK, HIGH_CONTRAST_LIGHT, HIGH_CONTRAST_DARK)}


def category_colors(labels: list[str] | None, n: int) -> tuple[np.ndarray, list[tuple[str, tuple]]]:
    """RGBA per point and legend entries; 'function' words get a neutral grey."""
    if labels is None:
        colors = np.tile(np.array([*PALETTE[0], 220], dtype=np.uint8), (n, 1))
        return colors, []
    names = sorted({c for c in labels if c != "function"})
    lookup = {name: (*PALETTE[i % len(PALETTE)], 230) for i, name in enumerate(names)}
    lookup["function"] = (*NEUTRAL, 150)
    colors = np.array([lookup[c] for c in labels], dtype=np.uint8)
    legend = [(name, lookup[name]) for name in names]
    if "function" in labels:
        legend.append(("function words", lookup["function"]))
    return colors, legend
