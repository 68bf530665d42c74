"""The inputs read once per process: read-only YAML reads as the round-trip writer does (YAML 1.2),
and what apps share cannot be changed by one of them."""
from __future__ import annotations

import pytest
from ruamel.yaml import YAML

from bot import yaml_files
from bot.app import create_app
from support.paths import ROOT

SCALARS = "a: No\nb: 9:30\nc: 012\nd: 0o17\ne: 0x1f\nf: 1.5\ng: -3\nh: on\ni: true\nj: 2026-01-01\nk: ~\nl: 1e3\nm: 21_26\n"


def test_plain_scalars_read_as_yaml_1_2_like_the_writer():
    read = yaml_files.load(SCALARS)
    assert read["a"] == "No" and read["h"] == "on" and read["b"] == "9:30"  # words and times stay text
    assert read == YAML(typ="safe", pure=True).load(SCALARS)


def test_every_data_file_reads_the_same_as_through_the_writer():
    writer = YAML(typ="safe", pure=True)
    for path in sorted((ROOT / "data").rglob("*.yml")):
        text = path.read_text(encoding="utf-8")
        assert yaml_files.load(text) == writer.load(text), path.name


def test_what_one_app_changes_is_its_own_copy(static_data):
    entries, rules = static_data.content_entries(), static_data.check_rules()
    entries["utter_greet"][1]["nl"]["text"] = "changed"
    rules.clear()
    assert static_data.content_entries()["utter_greet"][1]["nl"]["text"] != "changed"
    assert static_data.check_rules()
    assert static_data.region_directory() is not static_data.region_directory()


def test_static_data_of_other_files_is_refused(settings, static_data, tmp_path):
    regions = tmp_path / "regions.yml"
    regions.write_text((ROOT / "data" / "regions.yml").read_text(encoding="utf-8"), encoding="utf-8")
    other = settings.model_copy(update={"regions_file": regions})
    with pytest.raises(ValueError, match="other files"):
        create_app(other, static=static_data)
    assert static_data.for_settings(other).redactor is static_data.redactor  # the costly part is kept
    assert static_data.for_settings(settings) is static_data  # the same files: nothing is read again
