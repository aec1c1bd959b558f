"""西区土地与项目一张图 — entry point: `streamlit run streamlit_app.py`.

Streamlit runs this file as the page script (``__name__ == "__main__"``). `streamlit run` also
imports it as a module to find ``app`` (Streamlit 1.67 ``st.App``): the same server plus one
route, ``landmap-tiles/…``, that serves the offline basemap from the file in ``LANDMAP_TILES``
(landmap/tiles/route.py).
"""

if __name__ == "__main__":
    from landmap.ui.app import run

    run()
else:
    import streamlit as st

    from landmap.tiles.route import tile_routes

    app = st.App(__file__, routes=tile_routes(st.get_option("server.baseUrlPath")))
