"""landmap — 西区土地与项目一张图, the land and project map of Xiqu district, Panzhihua.

The package is plain Python over GeoDataFrames; only ``landmap.ui`` imports Streamlit.
"""

from landmap.layers import LAYERS, LayerSpec, get_layer

__all__ = ["LAYERS", "LayerSpec", "get_layer"]
