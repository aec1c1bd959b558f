"""西区土地与项目一张图 — entry point: `streamlit run streamlit_app.py`.

Streamlit runs this file as the page script (``__name__ == "__main__"``). `streamlit run` also
imports it as a module to find ``app`` (Streamlit 1.67 ``st.App``): the same server plus one
route, ``landmap-tiles/…``, that serves the offline basemap from the file in ``LANDMAP_TILES``
(landmap/tiles/route.py), and one, ``landmap-view/…``, that serves the tiles of a large map
(landmap/viewport/route.py). At start a background thread loads the data and serialises the
map text once (``ui.data.warm_caches``), so the first visitor after a start does not wait for it.
"""

if __name__ == "__main__":
    from landmap.ui.app import run

    run()
else:
    import gc

    import streamlit as st

    from landmap.tiles.route import tile_routes

    # The server keeps millions of long-lived objects (the layers, their map text, remembered
    # shapes); with Python's default (a young collection every 700 allocations) reading a data
    # version at 100,000 plots spent ~0.3 s of its ~2 s in the collector. It still runs, less often.
    gc.set_threshold(10_000, 10, 10)
    from landmap.viewport.route import view_routes

    _base = st.get_option("server.baseUrlPath")
    app = st.App(__file__, routes=[*tile_routes(_base), *view_routes(_base)])

    def _warm() -> None:
        # Best effort: a failure here is met again, and reported, by the first page.
        import contextlib

        from landmap.config import load_settings, secrets_from_files
        from landmap.ui.data import warm_caches

        with contextlib.suppress(Exception):
            # The page's own settings (``ui.data.app_settings``) need a script run; the same
            # environment and secrets files give the same store.
            warm_caches(load_settings(secrets=secrets_from_files()))

    import threading

    threading.Thread(target=_warm, name="landmap-warm", daemon=True).start()
