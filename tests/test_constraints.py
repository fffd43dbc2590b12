"""constraints.txt: the exact versions the image and CI install, inside pyproject's ranges.

Every runtime and extra dependency of pyproject.toml is pinned there, each pin satisfies the
declared range (the upper bounds guard the library internals the code leans on), the tests run
on those very versions, and every install step (Makefile, Dockerfile) passes the file to pip.
"""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import PackageNotFoundError, version

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import REPO


def pins() -> dict[str, str]:
    """Name -> pinned version, for the lines whose environment marker holds here."""
    found = {}
    for line in (REPO / "constraints.txt").read_text().splitlines():
        line, _, marker = line.split("#", 1)[0].partition(";")
        line = line.strip()
        if line and (not marker.strip() or Marker(marker.strip()).evaluate()):
            name, _, pinned = line.partition("==")
            assert pinned, f"not an exact pin: {line!r}"
            found[canonicalize_name(name.strip())] = pinned.strip()
    return found


def requirements() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        declared += extra
    return [Requirement(text) for text in declared]


@pytest.mark.parametrize("requirement", requirements(), ids=str)
def test_each_dependency_is_pinned_inside_its_declared_range(requirement: Requirement) -> None:
    pinned = pins().get(canonicalize_name(requirement.name))
    assert pinned is not None, f"{requirement.name} is not in constraints.txt"
    assert requirement.specifier.contains(pinned, prereleases=True), (
        f"constraints.txt pins {requirement.name}=={pinned}, outside pyproject's {requirement}"
    )


@pytest.mark.parametrize("name", ["httpx", "httpcore", "feedparser", "beautifulsoup4"])
def test_the_libraries_whose_internals_we_lean_on_run_at_their_pinned_version(name: str) -> None:
    """The tests that hold our transport, feed reading and text shortcut to these libraries ran
    on the pinned versions: moving the venv without moving constraints.txt fails here."""
    try:
        installed = version(name)
    except PackageNotFoundError:  # pragma: no cover - a broken environment
        pytest.fail(f"{name} is not installed")
    assert installed == pins()[canonicalize_name(name)]


def test_the_project_itself_is_not_pinned() -> None:
    assert "ethics-feed-bot" not in pins()


def test_every_install_step_uses_the_constraints() -> None:
    makefile = (REPO / "Makefile").read_text()
    dockerfile = (REPO / "Dockerfile").read_text()
    make_installs = re.findall(r"pip install (?!--quiet --upgrade pip).*", makefile)
    docker_installs = re.findall(r"pip (?:install|wheel) .*", dockerfile)
    assert make_installs and docker_installs
    for command in make_installs + docker_installs:
        assert "-c " in command and "constraints.txt" in command, command
    assert "!constraints.txt" in (REPO / ".dockerignore").read_text().splitlines()
