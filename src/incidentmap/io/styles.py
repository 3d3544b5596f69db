"""Layer styles for GIS: one style model, written as QGIS's QML and as OGC SLD 1.1 (SE).

A :class:`LayerStyle` says how a layer is drawn: a graduated renderer (classes of a numeric
field: bounds, colours, legend labels) or a categorized one (a colour per value), name labels,
and for a per-period layer the field QGIS's Temporal Controller steps through. :func:`qml` and
:func:`sld` write the same model; :func:`add_to_geopackage` stores them in a GeoPackage's
``layer_styles`` table (the columns QGIS reads, one default style per layer) and adds the
spatial views of per-period tables. The model is built by :mod:`incidentmap.export` from the
page's own classes and colours; this module only writes it (XML by the standard library).
"""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from pathlib import Path

__all__ = [
    "Category",
    "GpkgView",
    "LayerStyle",
    "StyleClass",
    "Temporal",
    "add_to_geopackage",
    "qml",
    "sld",
]

#: QGIS's names of a duration unit (QgsUnitTypes::encodeUnit)
DURATION_UNITS = ("d", "wk", "mon", "y")
OUTLINE = "#6e6e6e"
LABEL_COLOR = "#323232"


@dataclass(frozen=True)
class StyleClass:
    """One class of a graduated renderer: ``lower < value <= upper`` (the first ``>=``)."""

    lower: float
    upper: float
    color: str
    label: str


@dataclass(frozen=True)
class Category:
    """One value of a categorized renderer (``None``: every other value)."""

    value: str | None
    color: str
    label: str


@dataclass(frozen=True)
class Temporal:
    """A feature's time: its date field, lasting ``duration`` ``unit`` (QGIS's names)."""

    field: str
    duration: int = 1
    unit: str = "mon"


@dataclass(frozen=True)
class LayerStyle:
    """How a layer is drawn.

    Attributes
    ----------
    name : str
        The style's name (``styleName``).
    geometry : {"polygon", "point"}
    field : str
        The field the renderer classifies.
    classes : tuple of StyleClass
        A graduated renderer's classes, in order (empty: categorized).
    categories : tuple of Category
        A categorized renderer's values.
    label_field : str, optional
        Names drawn on the features.
    label_max_scale : float, optional
        Labels drawn only at this scale denominator or closer (district names).
    temporal : Temporal, optional
        The layer's time, for QGIS's Temporal Controller.
    title : str
        The legend's title.
    """

    name: str
    geometry: str
    field: str
    classes: tuple[StyleClass, ...] = ()
    categories: tuple[Category, ...] = ()
    label_field: str | None = None
    label_max_scale: float | None = None
    temporal: Temporal | None = None
    title: str = ""

    def renamed(self, names: dict[str, str]) -> LayerStyle:
        """Return the style with its fields under the names a format wrote them."""
        temporal = self.temporal
        if temporal is not None:
            temporal = replace(temporal, field=names.get(temporal.field, temporal.field))
        label = self.label_field
        return replace(
            self,
            field=names.get(self.field, self.field),
            label_field=names.get(label, label) if label is not None else None,
            temporal=temporal,
        )


@dataclass(frozen=True)
class GpkgView:
    """A spatial view: the rows of ``table`` with the polygons of ``layer`` joined by ``key``."""

    name: str
    table: str
    layer: str
    key: str


# ---------------------------------------------------------------------------------------------
# QML


def _rgba(color: str) -> str:
    c = color.lstrip("#")
    return ",".join(str(int(c[i : i + 2], 16)) for i in (0, 2, 4)) + ",255"


def _options(parent: ET.Element, props: dict[str, str]) -> None:
    """Write a symbol layer's properties as QGIS 3.22 does: an Option map and prop k/v pairs."""
    box = ET.SubElement(parent, "Option", type="Map")
    for k, v in props.items():
        ET.SubElement(box, "Option", name=k, type="QString", value=v)
    for k, v in props.items():
        ET.SubElement(parent, "prop", k=k, v=v)


def _symbol(parent: ET.Element, name: str, geometry: str, color: str) -> None:
    kind = "fill" if geometry == "polygon" else "marker"
    sym = ET.SubElement(
        parent, "symbol", type=kind, name=name, alpha="1", clip_to_extent="1", force_rhr="0"
    )
    if geometry == "polygon":
        layer = ET.SubElement(sym, "layer", {"class": "SimpleFill", "pass": "0"}, enabled="1")
        props = {
            "color": _rgba(color), "style": "solid", "outline_color": _rgba(OUTLINE),
            "outline_style": "solid", "outline_width": "0.2", "outline_width_unit": "MM",
            "joinstyle": "round",
        }  # fmt: skip
    else:
        layer = ET.SubElement(sym, "layer", {"class": "SimpleMarker", "pass": "0"}, enabled="1")
        props = {
            "color": _rgba(color), "name": "circle", "size": "2.4", "size_unit": "MM",
            "outline_color": "255,255,255,255", "outline_style": "solid", "outline_width": "0.2",
            "outline_width_unit": "MM", "scale_method": "diameter",
        }  # fmt: skip
    _options(layer, props)


def _renderer(root: ET.Element, style: LayerStyle) -> None:
    symbols: list[str] = []
    if style.classes:
        r = ET.SubElement(
            root, "renderer-v2", type="graduatedSymbol", attr=style.field,
            graduatedMethod="GraduatedColor", symbollevels="0", forceraster="0",
            enableorderby="0",
        )  # fmt: skip
        ranges = ET.SubElement(r, "ranges")
        for i, c in enumerate(style.classes):
            ET.SubElement(
                ranges, "range", lower=f"{c.lower:.6f}", upper=f"{c.upper:.6f}", symbol=str(i),
                label=c.label, render="true",
            )  # fmt: skip
            symbols.append(c.color)
    else:
        r = ET.SubElement(
            root, "renderer-v2", type="categorizedSymbol", attr=style.field, symbollevels="0",
            forceraster="0", enableorderby="0",
        )  # fmt: skip
        cats = ET.SubElement(r, "categories")
        for i, c in enumerate(style.categories):
            value = "" if c.value is None else c.value
            ET.SubElement(
                cats, "category", value=value, symbol=str(i), label=c.label, render="true"
            )
            symbols.append(c.color)
    box = ET.SubElement(r, "symbols")
    for i, color in enumerate(symbols):
        _symbol(box, str(i), style.geometry, color)
    if style.classes:
        ET.SubElement(r, "mode", name="quantile")
        ET.SubElement(r, "labelformat", format="%1 - %2", decimalplaces="0", trimtrailingzeroes="1")


def _labeling(root: ET.Element, style: LayerStyle) -> None:
    if style.label_field is None:
        return
    lab = ET.SubElement(root, "labeling", type="simple")
    settings = ET.SubElement(lab, "settings", calloutType="simple")
    text = ET.SubElement(
        settings, "text-style", fieldName=style.label_field, isExpression="0", fontSize="8",
        fontSizeUnit="Point", fontFamily="Sans Serif", textColor=_rgba(LABEL_COLOR),
        textOpacity="1", namedStyle="Regular", fontWeight="50", fontItalic="0",
    )  # fmt: skip
    ET.SubElement(
        text, "text-buffer", bufferDraw="1", bufferSize="0.8", bufferSizeUnits="MM",
        bufferColor="255,255,255,255", bufferOpacity="0.8", bufferJoinStyle="128",
    )  # fmt: skip
    # over the polygon's point inside (areas) or beside the point (points)
    placement = "1" if style.geometry == "polygon" else "6"
    ET.SubElement(settings, "placement", placement=placement, centroidInside="1", dist="0")
    scaled = style.label_max_scale is not None
    ET.SubElement(
        settings, "rendering", scaleVisibility="1" if scaled else "0",
        # QGIS writes its maximum scale (closest) as scaleMin, its minimum scale as scaleMax
        scaleMin="0", scaleMax=f"{style.label_max_scale or 0:g}", obstacle="1",
        displayAll="0", upsidedownLabels="0", mergeLines="0",
    )  # fmt: skip


def _end_expression(t: Temporal) -> str:
    """Return a QGIS expression of a feature's end: its date plus the calendar period.

    Months and years are counted on the calendar (QGIS's month intervals are 30 days).
    """
    field = f'"{t.field}"'
    if t.unit == "mon":
        shift = f"month({field}) - 1 + {t.duration}"
        return (
            f"make_datetime(year({field}) + ({shift}) // 12, ({shift}) % 12 + 1, "
            f"day({field}), 0, 0, 0)"
        )
    if t.unit == "y":
        return f"make_datetime(year({field}) + {t.duration}, month({field}), day({field}), 0, 0, 0)"
    days = t.duration * (7 if t.unit == "wk" else 1)
    return f"to_datetime({field}) + make_interval(0, 0, 0, {days}, 0, 0, 0)"


def _temporal(root: ET.Element, style: LayerStyle) -> None:
    t = style.temporal
    if t is None:
        return
    if t.unit not in DURATION_UNITS:
        msg = f"duration unit {t.unit!r}: one of {', '.join(DURATION_UNITS)}"
        raise ValueError(msg)
    # mode 4: a feature's start and end as expressions of its date field, the end excluded.
    # A Date field compared with the controller's date-times counts the next period's
    # first day as before its midnight (QGIS 3.22), so the date is made a date-time here.
    el = ET.SubElement(
        root, "temporal", enabled="1", mode="4", startField=t.field, endField="",
        durationField="", fixedDuration=str(t.duration), durationUnit=t.unit,
        accumulate="0", limitMode="0", startExpression=f'to_datetime("{t.field}")',
        endExpression=_end_expression(t),
    )  # fmt: skip
    fixed = ET.SubElement(el, "fixedRange")
    ET.SubElement(fixed, "start")
    ET.SubElement(fixed, "end")


def qml(style: LayerStyle) -> str:
    """Return the style as a QGIS QML document (QGIS 3.22 and later read it).

    Parameters
    ----------
    style : LayerStyle

    Returns
    -------
    str
    """
    root = ET.Element(
        "qgis", version="3.22.0", styleCategories="AllStyleCategories",
        labelsEnabled="1" if style.label_field else "0", hasScaleBasedVisibilityFlag="0",
    )  # fmt: skip
    _temporal(root, style)
    _renderer(root, style)
    _labeling(root, style)
    ET.SubElement(root, "layerGeometryType").text = "2" if style.geometry == "polygon" else "0"
    ET.indent(root)
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(
        root, encoding="unicode"
    )


# ---------------------------------------------------------------------------------------------
# SLD 1.1 (Symbology Encoding)

_SLD = "http://www.opengis.net/sld"
_SE = "http://www.opengis.net/se"
_OGC = "http://www.opengis.net/ogc"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
for _prefix, _uri in (("", _SLD), ("se", _SE), ("ogc", _OGC), ("xsi", _XSI)):
    ET.register_namespace(_prefix, _uri)


def _se(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{_SE}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def _param(parent: ET.Element, name: str, value: str) -> None:
    _se(parent, "SvgParameter", value, name=name)


def _compare(parent: ET.Element, op: str, field: str, value: float | str) -> None:
    el = ET.SubElement(parent, f"{{{_OGC}}}{op}")
    ET.SubElement(el, f"{{{_OGC}}}PropertyName").text = field
    literal = value if isinstance(value, str) else f"{value:g}"
    ET.SubElement(el, f"{{{_OGC}}}Literal").text = literal


def _filter(rule: ET.Element, style: LayerStyle, i: int) -> None:
    if not style.classes and style.categories[i].value is None:
        _se(rule, "ElseFilter")  # every other value
        return
    f = ET.SubElement(rule, f"{{{_OGC}}}Filter")
    if not style.classes:
        _compare(f, "PropertyIsEqualTo", style.field, str(style.categories[i].value))
        return
    c = style.classes[i]
    if c.lower == c.upper:
        _compare(f, "PropertyIsEqualTo", style.field, c.upper)
        return
    both = ET.SubElement(f, f"{{{_OGC}}}And")
    _compare(both, "PropertyIsGreaterThan", style.field, c.lower)
    _compare(both, "PropertyIsLessThanOrEqualTo", style.field, c.upper)


def _symbolizer(rule: ET.Element, style: LayerStyle, color: str) -> None:
    if style.geometry == "polygon":
        sym = _se(rule, "PolygonSymbolizer")
        _param(_se(sym, "Fill"), "fill", color)
        stroke = _se(sym, "Stroke")
        _param(stroke, "stroke", OUTLINE)
        _param(stroke, "stroke-width", "0.5")
        return
    sym = _se(rule, "PointSymbolizer")
    graphic = _se(sym, "Graphic")
    mark = _se(graphic, "Mark")
    _se(mark, "WellKnownName", "circle")
    _param(_se(mark, "Fill"), "fill", color)
    stroke = _se(mark, "Stroke")
    _param(stroke, "stroke", "#ffffff")
    _param(stroke, "stroke-width", "0.5")
    _se(graphic, "Size", "9")


def _text_rule(fts: ET.Element, style: LayerStyle) -> None:
    if style.label_field is None:
        return
    rule = _se(fts, "Rule")
    _se(rule, "Name", "names")
    if style.label_max_scale is not None:
        _se(rule, "MaxScaleDenominator", f"{style.label_max_scale:g}")
    text = _se(rule, "TextSymbolizer")
    label = _se(text, "Label")
    ET.SubElement(label, f"{{{_OGC}}}PropertyName").text = style.label_field
    font = _se(text, "Font")
    _param(font, "font-family", "Sans-Serif")
    _param(font, "font-size", "11")
    halo = _se(text, "Halo")
    _se(halo, "Radius", "1.5")
    _param(_se(halo, "Fill"), "fill", "#ffffff")
    _param(_se(text, "Fill"), "fill", LABEL_COLOR)


def sld(style: LayerStyle, layer: str) -> str:
    """Return the style as an OGC SLD 1.1 document (Symbology Encoding 1.1).

    Parameters
    ----------
    style : LayerStyle
    layer : str
        The layer's name (``NamedLayer``).

    Returns
    -------
    str
    """
    root = ET.Element(
        f"{{{_SLD}}}StyledLayerDescriptor",
        {
            "version": "1.1.0",
            f"{{{_XSI}}}schemaLocation": (
                f"{_SLD} http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd"
            ),
        },
    )
    named = ET.SubElement(root, f"{{{_SLD}}}NamedLayer")
    _se(named, "Name", layer)
    user = ET.SubElement(named, f"{{{_SLD}}}UserStyle")
    _se(user, "Name", style.name)
    if style.title:
        _se(_se(user, "Description"), "Title", style.title)
    fts = _se(user, "FeatureTypeStyle")
    items = style.classes or style.categories
    for i, item in enumerate(items):
        rule = _se(fts, "Rule")
        _se(rule, "Name", item.label)
        _se(_se(rule, "Description"), "Title", item.label)
        _filter(rule, style, i)
        _symbolizer(rule, style, item.color)
    _text_rule(fts, style)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


# ---------------------------------------------------------------------------------------------
# GeoPackage: layer_styles and spatial views

_STYLES_TABLE = """CREATE TABLE IF NOT EXISTS layer_styles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    f_table_catalog TEXT(256), f_table_schema TEXT(256), f_table_name TEXT(256),
    f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT,
    useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
    update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
)"""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _geometry_column(db: sqlite3.Connection, table: str) -> str:
    row = db.execute(
        "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (table,)
    ).fetchone()
    if row is None:
        msg = f"{table} is not a feature table of the GeoPackage"
        raise ValueError(msg)
    return str(row[0])


def _add_view(db: sqlite3.Connection, view: GpkgView) -> None:
    """Create a spatial view and register it as a feature layer (GDAL and QGIS list it)."""
    geom = _geometry_column(db, view.layer)
    columns = [r[1] for r in db.execute(f"PRAGMA table_info({_quote(view.table)})")]
    fields = ", ".join(f"t.{_quote(c)}" for c in columns if c != "fid")
    db.execute(
        f"CREATE VIEW {_quote(view.name)} AS SELECT t.fid AS fid, l.{_quote(geom)} AS "
        f"{_quote(geom)}, {fields} FROM {_quote(view.table)} AS t JOIN {_quote(view.layer)} "
        f"AS l ON l.{_quote(view.key)} = t.{_quote(view.key)}"
    )
    db.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, min_x, "
        "min_y, max_x, max_y, srs_id) SELECT ?, 'features', ?, ?, min_x, min_y, max_x, max_y, "
        "srs_id FROM gpkg_contents WHERE table_name = ?",
        (view.name, view.name, f"{view.table} with the polygons of {view.layer}", view.layer),
    )
    db.execute(
        "INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id,"
        " z, m) SELECT ?, column_name, geometry_type_name, srs_id, 0, 0 FROM "
        "gpkg_geometry_columns WHERE table_name = ?",
        (view.name, view.layer),
    )


def add_to_geopackage(
    path: str | Path, styles: dict[str, LayerStyle], views: tuple[GpkgView, ...] = ()
) -> None:
    """Add spatial views and one default style per layer (``layer_styles``) to a GeoPackage.

    The ``layer_styles`` table has the columns QGIS writes and reads (QML and SLD), with
    empty catalog and schema as QGIS matches them; it is registered as an attribute table.

    Parameters
    ----------
    path : path-like
        A GeoPackage GDAL has written (closed).
    styles : dict of str to LayerStyle
        Layer (or view) name -> its style.
    views : tuple of GpkgView
        Views to create before the styles.
    """
    db = sqlite3.connect(path)
    try:
        with db:
            for view in views:
                _add_view(db, view)
            if not styles:
                return
            db.execute(_STYLES_TABLE)
            db.execute(
                "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
                "srs_id) VALUES ('layer_styles', 'attributes', 'layer_styles', "
                "'QGIS layer styles', 0)"
            )
            for layer, style in styles.items():
                db.execute(
                    "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                    "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, "
                    "description, owner, ui) VALUES ('', '', ?, ?, ?, ?, ?, 1, ?, '', NULL)",
                    (
                        layer, _geometry_column(db, layer), style.name, qml(style),
                        sld(style, layer), style.title,
                    ),
                )  # fmt: skip
    finally:
        db.close()
