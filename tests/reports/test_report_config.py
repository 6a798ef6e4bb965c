"""The `report:` section of audit.yaml: who the report is for, who prepared it, and a logo."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay.collectors.base import CollectorRegistry
from assay.config import load_config
from assay.errors import AssayError, ConfigError
from assay.pipeline import report_meta
from assay.reports.html import logo_data_uri, render_html
from assay.scoring import Results
from tests.core.toys import ToyCollector


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry({"toy": ToyCollector})


def test_report_section_reaches_the_report(
    tmp_path: Path, registry: CollectorRegistry, sample_results: Results
) -> None:
    (tmp_path / "brand").mkdir()
    (tmp_path / "brand" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    config = tmp_path / "audit.yaml"
    config.write_text(
        "scope: acme\nreport:\n  client: Acme Corporation\n  prepared_by: Platform Guild\n"
        "  logo: brand/logo.png\ncollectors:\n  toy: {}\n"
    )
    meta = report_meta(load_config(config, registry))
    assert (meta.client, meta.prepared_by) == ("Acme Corporation", "Platform Guild")
    assert meta.logo == str(tmp_path / "brand" / "logo.png"), "a relative logo is beside the config"
    html = render_html(sample_results, None, meta=meta)
    assert "prepared for Acme Corporation" in html and "prepared by Platform Guild" in html
    assert 'src="data:image/png;base64,' in html  # embedded: the CSP allows data: images only


def test_unknown_report_key_is_named(tmp_path: Path, registry: CollectorRegistry) -> None:
    config = tmp_path / "audit.yaml"
    config.write_text("scope: acme\nreport:\n  custumer: Acme\ncollectors:\n  toy: {}\n")
    with pytest.raises(ConfigError, match="custumer"):
        load_config(config, registry)


def test_a_logo_that_is_not_an_image_is_one_sentence(tmp_path: Path) -> None:
    notes = tmp_path / "logo.txt"
    notes.write_text("not an image")
    with pytest.raises(AssayError, match=r"report.logo: .*logo.txt is not a PNG, JPEG or SVG image"):
        logo_data_uri(str(notes))
    with pytest.raises(AssayError, match=r"report.logo: cannot read"):
        logo_data_uri(str(tmp_path / "missing.png"))
