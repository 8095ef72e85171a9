"""The image's Dockerfile, checked without a Docker engine: every package the project
installs is copied into the build, and so is the built widget the gateway serves."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_every_package_and_the_built_widget_are_copied() -> None:
    text = (ROOT / "Dockerfile").read_text()
    copied = set(re.findall(r"^COPY (\w+) \./\1$", text, re.MULTILINE))
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert set(packages["packages"]) <= copied, set(packages["packages"]) - copied
    assert "COPY --from=widget /widget/dist ./widget/dist" in text
    assert "dist/*" in packages["package-data"]["widget"]
