"""Desktop integration files (resources/desktop/) and `make install-desktop`."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DESKTOP = ROOT / "resources" / "desktop"
ENTRY = DESKTOP / "embedding-explorer.desktop"
ICON = DESKTOP / "embedding-explorer.svg"
MIME = DESKTOP / "embedding-explorer-mime.xml"
MIME_TYPE = "application/x-embedding-explorer-session"
MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"
SVG_NS = "{http://www.w3.org/2000/svg}"


def _entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive in .desktop files
    parser.read(ENTRY, encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_entry():
    entry = _entry()
    assert entry["Type"] == "Application"
    assert entry["Exec"] == "embedding-explorer %f"
    assert entry["Icon"] == "embedding-explorer"
    assert MIME_TYPE in entry["MimeType"].split(";")
    assert entry["MimeType"].endswith(";")
    assert {"Education", "Science", "DataVisualization"} <= set(entry["Categories"].split(";"))
    assert entry["Name"] and entry.get("Terminal") == "false"


def test_mime_type_xml():
    root = ET.parse(MIME).getroot()
    assert root.tag == f"{MIME_NS}mime-info"
    types = root.findall(f"{MIME_NS}mime-type")
    assert [t.get("type") for t in types] == [MIME_TYPE]
    (mime,) = types
    assert [g.get("pattern") for g in mime.findall(f"{MIME_NS}glob")] == ["*.eexp"]
    assert mime.find(f"{MIME_NS}sub-class-of").get("type") == "application/zip"
    assert mime.find(f"{MIME_NS}comment").text
    # the magic: a zip whose first member is session.json (its name sits at offset 30)
    outer = mime.find(f"{MIME_NS}magic/{MIME_NS}match")
    assert (outer.get("offset"), outer.get("value")) == ("0", "PK\\003\\004")
    inner = outer.find(f"{MIME_NS}match")
    assert (inner.get("offset"), inner.get("value")) == ("30", "session.json")


def test_magic_matches_a_real_session(tmp_path):
    """The magic's offsets hold for a session as the app writes it (session.json first)."""
    path = tmp_path / "run.session"
    run = subprocess.run([sys.executable, "-m", "explorer", "train", "--corpus", "demo", "--epochs", "1",
                          "--dim", "4", "--out", str(path)],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    head = path.read_bytes()[:42]
    assert head[:4] == b"PK\x03\x04" and head[30:42] == b"session.json", head


def test_icon_is_valid_svg():
    root = ET.parse(ICON).getroot()
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("viewBox")
    assert root.findall(f".//{SVG_NS}circle"), "the icon's dots"
    assert root.findall(f".//{SVG_NS}rect")


def _make(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    return subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), *args],
                          capture_output=True, text=True, timeout=120, env=env)


def test_make_n_install_desktop_names_the_three_files(tmp_path):
    run = _make("-n", "install-desktop", f"DATA_HOME={tmp_path}")
    assert run.returncode == 0, run.stderr
    out = run.stdout
    for name in ("resources/desktop/embedding-explorer.desktop",
                 "resources/desktop/embedding-explorer.svg",
                 "resources/desktop/embedding-explorer-mime.xml",
                 f"{tmp_path}/applications/embedding-explorer.desktop",
                 f"{tmp_path}/icons/hicolor/scalable/apps/embedding-explorer.svg",
                 f"{tmp_path}/mime/packages/embedding-explorer.xml"):
        assert name in out, name
    assert not any(tmp_path.iterdir()), "make -n wrote files"
    run = _make("-n", "uninstall-desktop", f"DATA_HOME={tmp_path}")
    assert run.returncode == 0 and "embedding-explorer.desktop" in run.stdout


def test_install_and_uninstall_into_a_scratch_folder(tmp_path):
    home = tmp_path / "home"
    data = tmp_path / "share"
    env = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_DATA_HOME=str(data))
    run = _make("install-desktop", f"DATA_HOME={data}", env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    installed = [data / "applications/embedding-explorer.desktop",
                 data / "icons/hicolor/scalable/apps/embedding-explorer.svg",
                 data / "mime/packages/embedding-explorer.xml"]
    for path in installed:
        assert path.is_file(), path
        assert path.stat().st_mode & 0o777 == 0o644
    if shutil.which("update-mime-database"):  # shared-mime-info accepted the XML
        assert (data / "mime/application/x-embedding-explorer-session.xml").is_file()
    run = _make("uninstall-desktop", f"DATA_HOME={data}", env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert not any(p.exists() for p in installed)


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                    reason="desktop-file-validate is not installed")
def test_desktop_file_validate():
    run = subprocess.run(["desktop-file-validate", str(ENTRY)], capture_output=True, text=True)
    assert run.returncode == 0 and not run.stdout.strip(), run.stdout + run.stderr
