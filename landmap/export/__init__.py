"""Exports of the filtered features: GeoPackage, GeoJSON, KML, CSV, Excel, zipped Shapefile.

One module per job: ``formats`` (what an export is), ``columns`` (which columns, typed),
``vector`` (GeoPackage, GeoJSON), ``kml``, ``shapefile``, ``tabular`` (CSV, Excel), ``sanitise``
(spreadsheet formula safety), ``workbook`` (openpyxl sheets, shared with the 台账), ``notes``
(the filter sentence and friends in every file), ``command`` (what the CLI calls).
"""

from landmap.export.command import run_export
from landmap.export.features import export_features
from landmap.export.formats import Audience, ExportFile, ExportFormat, ExportOptions

__all__ = [
    "Audience",
    "ExportFile",
    "ExportFormat",
    "ExportOptions",
    "export_features",
    "run_export",
]
