from pathlib import Path

from landmap.config import BUNDLED_SAMPLE_PATH, load_settings
from landmap.map.basemaps import basemap_group, tianditu_url


def test_defaults_are_the_sample_data_and_no_key():
    settings = load_settings(environ={"LANDMAP_STATE_DIR": "/var/lib/landmap"}, secrets={})
    assert settings.data_path == Path("/var/lib/landmap/xiqu_sample.gpkg")
    assert settings.is_sample_data and settings.tianditu_key is None


def test_the_sample_is_used_through_a_working_copy(tmp_path):
    settings = load_settings(environ={"LANDMAP_STATE_DIR": str(tmp_path / "state")})
    path = settings.ensure_data_file()
    assert path.read_bytes() == BUNDLED_SAMPLE_PATH.read_bytes()
    path.write_bytes(b"edited")
    assert settings.ensure_data_file().read_bytes() == b"edited"  # never overwritten
    own = load_settings(environ={"LANDMAP_DATA": str(tmp_path / "missing.gpkg")})
    assert not own.ensure_data_file().exists()  # a user's own path is never invented


def test_environment_wins_over_secrets():
    settings = load_settings(
        environ={"LANDMAP_DATA": "/srv/xiqu.gpkg", "TIANDITU_KEY": " env-key "},
        secrets={"tianditu_key": "secret-key"},
    )
    assert settings.data_path == Path("/srv/xiqu.gpkg") and not settings.is_sample_data
    assert settings.tianditu_key == "env-key"
    assert load_settings(environ={}, secrets={"tianditu_key": "s"}).tianditu_key == "s"


def test_tianditu_needs_a_key_and_quotes_it():
    assert basemap_group("tianditu_vec", None) is None
    assert basemap_group("none", "k") is None
    assert basemap_group("tianditu_img", "k") is not None
    url = tianditu_url("vec", "a&b=c")
    assert "tk=a%26b%3Dc" in url and "vec_w/wmts" in url
