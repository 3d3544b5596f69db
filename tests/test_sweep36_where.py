"""Sweep 36, U5 and U3: ``where`` reads coordinates as files do; a province filter given a
district or a place says what the name is."""

from __future__ import annotations

import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from incidentmap.cli import main
from incidentmap.errors import UnknownNameError, UsageError
from incidentmap.gazetteer.admin1 import NotAProvinceError, not_a_province, resolve_province
from incidentmap.jobs.where import read_point
from incidentmap.jobs.where import run as where


def run(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return exc.value.code, out, err


# -- U5: the forms of a point ----------------------------------------------------------------

FORMS = {
    "34.43N 70.45E": (34.43, 70.45),
    "34.43N,70.45E": (34.43, 70.45),
    "N34.43 E70.45": (34.43, 70.45),
    "34.43N70.45E": (34.43, 70.45),
    "70.45E 34.43N": (34.43, 70.45),  # letters say which is which
    "34°26'N 70°27'E": (34 + 26 / 60, 70.45),
    "34°26′N, 70°27′E": (34 + 26 / 60, 70.45),
    "34 26 0 70 27 0": (34 + 26 / 60, 70.45),
    "34d26m N 70d27m E": (34 + 26 / 60, 70.45),
    "34,43 70,45": (34.43, 70.45),
    "34,43; 70,45": (34.43, 70.45),
    "34,43, 70,45": (34.43, 70.45),
    "34,43,70,45": (34.43, 70.45),
    "34,43 20,45": (34.43, 20.45),  # the space, not the second comma, divides them
    "34.43, 70.45": (34.43, 70.45),
    "34.43,70.45": (34.43, 70.45),
    "34.43 -70.45": (34.43, -70.45),
    "-34.43,70.45": (-34.43, 70.45),
    "34.43S 70.45W": (-34.43, -70.45),
}


@pytest.mark.parametrize(("text", "point"), FORMS.items())
def test_one_argument_forms(text, point):
    assert read_point(text) == pytest.approx(point)


@pytest.mark.parametrize(
    ("lat", "lon", "point"),
    [
        ("34,43", "70,45", (34.43, 70.45)),
        ("34.43N", "70.45E", (34.43, 70.45)),
        ("70.45E", "34.43N", (34.43, 70.45)),
        ("34°26'N", "70°27'E", (34 + 26 / 60, 70.45)),
        ("34.43", "-70.45", (34.43, -70.45)),
        (34.43, 70.45, (34.43, 70.45)),
    ],
)
def test_two_argument_forms(lat, lon, point):
    assert read_point(lat, lon) == pytest.approx(point)


@pytest.mark.parametrize(
    "text", ["abc", "34.43", "34.43N 70.45N", "70.45E 34.43E", "34.43N 70.45E 3", ""]
)
def test_not_a_point_is_refused_with_the_forms(text):
    with pytest.raises(UsageError, match=r"expected a latitude and a longitude .*34°26'N"):
        read_point(text)


def test_two_readings_are_refused_with_both():
    with pytest.raises(UsageError, match=r"can be read as 34 26\.34.* or .*comma and a space"):
        read_point("34 26 20 27")


def _dms(value: float, style: str) -> tuple[str, float]:
    """Write a value in degrees-minutes-seconds (whole seconds), with what it reads as."""
    d, rest = divmod(round(value * 3600), 3600)
    m, s = divmod(rest, 60)
    marks = {"symbols": ("°", "'", '"'), "primes": ("°", "′", "″"), "letters": ("d", "m", "s")}
    if style == "spaces":
        return f"{d} {m} {s}", d + m / 60 + s / 3600
    if style in ("minutes bare", "minutes spaced"):  # 34°26, 34 26: a minute without its mark
        return (f"{d}°{m}" if style == "minutes bare" else f"{d} {m}"), d + m / 60
    a, b, c = marks[style]
    return f"{d}{a}{m}{b}{s}{c}", d + m / 60 + s / 3600


@st.composite
def written_points(draw):
    """A point near Afghanistan in one of the forms a file may write, and its value."""
    lat = draw(st.floats(29.5, 38.4).map(lambda v: round(v, 4)))
    lon = draw(st.floats(60.6, 74.8).map(lambda v: round(v, 4)))
    form = draw(st.sampled_from(["point", "comma", "letters", "dms"]))
    if form == "dms":
        styles = ["symbols", "primes", "letters", "spaces", "minutes bare", "minutes spaced"]
        style = draw(st.sampled_from(styles))
        (a, lat), (b, lon) = _dms(lat, style), _dms(lon, style)
    else:
        a, b = f"{lat}", f"{lon}"
        if form == "comma":
            a, b = a.replace(".", ","), b.replace(".", ",")
    lettered = form == "letters" or (form == "dms" and draw(st.booleans()))
    if lettered:
        before = draw(st.booleans())
        a, b = (f"N{a}", f"E{b}") if before else (f"{a}N", f"{b}E")
    swapped = lettered and draw(st.booleans())
    first, second = (b, a) if swapped else (a, b)
    seps = [", ", "; ", " / "] + ([" "] if form != "dms" or lettered else [])
    seps += [","] if form in ("point", "letters") else []
    sep = draw(st.sampled_from(seps))
    return first, second, sep, (lat, lon)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(written_points())
def test_written_points_read_as_files_read_them(case):
    first, second, sep, point = case
    assert read_point(f"{first}{sep}{second}") == pytest.approx(point, abs=1e-9)
    assert read_point(first, second) == pytest.approx(point, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(
    st.floats(29.5, 38.4).map(lambda v: round(v, 3)),
    st.floats(60.6, 74.8).map(lambda v: round(v, 3)),
    st.sampled_from([(1, -1), (-1, 1), (-1, -1)]),
    st.sampled_from([",", ", ", " "]),
)
def test_signs_are_read_as_signs(lat, lon, signs, sep):
    text = f"{signs[0] * lat}{sep}{signs[1] * lon}"
    assert read_point(text) == pytest.approx((signs[0] * lat, signs[1] * lon))


def test_a_minus_sign_is_no_longitude_near_afghanistan(use_cache):
    with pytest.raises(
        UsageError, match=r"-70\.45 is no longitude near Afghanistan.*34\.43 70\.45"
    ):
        where(34.43, -70.45)
    with pytest.raises(UsageError, match=r"-34\.43 is no latitude near Afghanistan"):
        where(-34.43, 70.45)


def test_far_points_keep_their_distance(use_cache):
    """A point far away either way is not told about its sign: the distance says it."""
    from incidentmap.jobs.where import PointOutsideError

    with pytest.raises(PointOutsideError, match="km from the nearest district"):
        where(10.0, -10.0)


@pytest.mark.parametrize(
    "args",
    [
        ["34.43N 70.45E"],
        ["34°26'N 70°27'E"],
        ["34,43 70,45"],
        ["34,43", "70,45"],
        ["70.45E", "34.43N"],
        ["N34.43", "E70.45"],
    ],
)
def test_cli_where_reads_the_forms(capsys, use_cache, args):
    code, out, err = run(capsys, "where", *args)
    assert code == 0, err
    assert out.strip() == "Jalalabad district, Nangarhar province (AF-NAN)"


def test_cli_where_refuses_a_minus_sign_in_one_argument(capsys, use_cache):
    code, _, err = run(capsys, "where", "34.43,-70.45")
    assert code == 2
    assert "-70.45 is no longitude near Afghanistan" in err and "did you mean 34.43 70.45" in err
    assert "Traceback" not in err


def test_cli_where_refuses_garbage_with_the_forms(capsys, use_cache):
    code, _, err = run(capsys, "where", "34.43N 70.45N")
    assert code == 2
    assert "expected a latitude and a longitude" in err and "34.43N 70.45E" in err


def _where_app():
    """The where command as the command line registers it, with its click settings."""
    from incidentmap.cli._where import CONTEXT_SETTINGS, where_cmd

    app = typer.Typer()
    app.command("where", context_settings=CONTEXT_SETTINGS)(where_cmd)
    app.command("other")(lambda: None)  # two commands: "where" is a subcommand, as in main
    return app


@pytest.mark.parametrize(
    ("args", "wrong"),
    [
        (["34.43", "-70.45"], "-70.45 is no longitude"),
        (["-34.43", "70.45"], "-34.43 is no latitude"),
        (["-34.43", "-70.45", "--snap-km", "3"], "-34.43 is no latitude"),
    ],
)
def test_where_settings_take_a_negative_argument_for_a_number(use_cache, args, wrong):
    result = CliRunner().invoke(_where_app(), ["where", *args])
    assert isinstance(result.exception, UsageError)
    assert wrong in str(result.exception)


def test_where_settings_still_refuse_unknown_options(use_cache):
    result = CliRunner().invoke(_where_app(), ["where", "--jsno", "34.43,70.45"])
    assert isinstance(result.exception, UsageError)
    assert "no such option: --jsno" in str(result.exception)
    result = CliRunner().invoke(_where_app(), ["where", "34.43", "70.45", "--json"])
    assert result.exit_code == 0 and '"province": "Nangarhar"' in result.output


# -- U3: a district or a place given as a province ---------------------------------------------


@pytest.fixture(scope="module")
def gazetteer(cache):
    from incidentmap.context import context_for

    return context_for(None).gazetteer


def _refused(name):
    with pytest.raises(UnknownNameError) as exc:
        resolve_province(name)
    return exc.value


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "Jalalabad",
            "'Jalalabad' is a district of Nangarhar (and a place): `province` Nangarhar, "
            "`district` Jalalabad or `near` Jalalabad",
        ),
        (
            "Mazar-i-Sharif",
            "'Mazar-i-Sharif' is a district of Balkh (and a place): `province` Balkh, "
            "`district` Mazar-i-Sharif or `near` Mazar-i-Sharif",
        ),
        (
            "Lashkar Gah",
            "'Lashkar Gah' is a district of Helmand (and a place): `province` Helmand, "
            "`district` 'Lashkar Gah' or `near` 'Lashkar Gah'",
        ),
    ],
)
def test_a_district_given_as_a_province_is_named(gazetteer, name, message):
    error = not_a_province(_refused(name), gazetteer)
    assert isinstance(error, NotAProvinceError) and isinstance(error, UnknownNameError)
    assert str(error) == message and error.name == name


def test_a_name_in_several_provinces_lists_them(gazetteer):
    text = str(not_a_province(_refused("Fayzabad"), gazetteer))
    for province in ("Badakhshan", "Jawzjan", "Faryab"):
        assert f"`province` {province}" in text  # the library's words; the CLI's are --flags
    assert "several provinces" in text


def test_a_name_that_is_nothing_keeps_its_suggestions(gazetteer):
    exc = _refused("Mahmud Raqi")
    assert not_a_province(exc, gazetteer) is exc
    assert "did you mean" in str(exc)


@pytest.mark.parametrize(
    "name", ["Nangarhar", "Ningarhar", "Nangrahar", "ننگرهار", "NANGARHAR", "Nangarhar Province"]
)
def test_province_spellings_still_resolve(name):
    assert resolve_province(name).id == "AF-NAN"
