"""西区土地与项目一张图 — entry point: `streamlit run streamlit_app.py`."""

from landmap.ui.app import run

run()
