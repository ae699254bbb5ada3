"""Motions of the made naked-eye sky against Hipparcos 2 (van Leeuwen 2007), measured the way
Dehnen & Binney (1998, MNRAS 298, 387; "DB98") measured the real one: the Sun's motion (U, V, W)
fitted from proper motions alone (least squares on the tangential velocities, stars within
200 pc, no radial velocities), by B−V, with bootstrap errors (``reports.validate``)."""

import numpy as np
import pytest

import starmaker as sm
from starmaker.io.catalogues import hipparcos_spectral_types
from starmaker.place.frames import ICRS_TO_GALACTIC, lonlat
from starmaker.reports.validate import (
    kinematics_markdown,
    kinematics_table,
    plane_census,
    populations_table,
    solar_motion,
)


def _combined(row, key):
    return np.hypot(row[f"e_{key}_made"], row[f"e_{key}_real"])


def test_solar_motion_fit_recovers_a_known_motion():
    """4,000 stars uniform within 200 pc with isotropic velocities (σ = 25 km/s) about a mean
    of −(10, 15, 7) km/s: the proper-motion-only fit (DB98 eqs. 1–3) returns the Sun's motion
    (10, 15, 7) within 3 of its bootstrap errors, and those errors are the expected
    σ·√(3/2)/√n ≈ 0.5 km/s within 25 %."""
    rng = np.random.default_rng(3)
    n = 4000
    r_gal = rng.standard_normal((n, 3))
    r_gal /= np.linalg.norm(r_gal, axis=1)[:, None]
    d = 200.0 * rng.random(n) ** (1 / 3)
    v_gal = rng.normal(0.0, 25.0, (n, 3)) - np.array([10.0, 15.0, 7.0])
    r_icrs, v_icrs = r_gal @ ICRS_TO_GALACTIC, v_gal @ ICRS_TO_GALACTIC
    ra, dec = lonlat(r_icrs)
    a, de = np.radians(ra), np.radians(dec)
    east = np.stack([-np.sin(a), np.cos(a), np.zeros_like(a)], axis=-1)
    north = np.stack([-np.sin(de) * np.cos(a), -np.sin(de) * np.sin(a), np.cos(de)], axis=-1)
    scale = 1000.0 / (4.740470463533348 * d)
    stars = sm.Stars({"ra": ra, "dec": dec, "distance": d,
                      "pmra": np.einsum("ij,ij->i", v_icrs, east) * scale,
                      "pmdec": np.einsum("ij,ij->i", v_icrs, north) * scale})
    fit = solar_motion(stars, n_boot=300, seed=1)
    assert fit["n"] == n
    expected_error = 25.0 * np.sqrt(1.5 / n)
    for c, v in zip("UVW", (10.0, 15.0, 7.0), strict=True):
        assert fit[c] == pytest.approx(v, abs=3 * fit[f"e_{c}"])
        assert fit[f"e_{c}"] == pytest.approx(expected_error, rel=0.25)


@pytest.fixture(scope="module")
def made():
    return sm.MilkyWay().make("V<6.5", seed=1)


@pytest.fixture(scope="module")
def motions(made):
    rows = kinematics_table(made, sm.hipparcos())
    print(kinematics_markdown(rows))
    return {("all" if r["bv_lo"] == -np.inf else r["bv_lo"]): r for r in rows}


@pytest.mark.slow
def test_made_tangential_velocities_match_hipparcos(motions):
    """Stars with V < 6.5 within 200 pc: the made stars' median tangential velocity equals
    Hipparcos' within 3 combined bootstrap errors (measured, seed 1: 22.5 ± 0.2 against
    22.3 ± 0.2 km/s; with SBD10's V⊙ = 12.24 and Strömberg's drift it was 25.5 ± 0.3 km/s, and
    20.1, 21.1, 28.4 against 18.4, 17.3, 24.0 km/s for B−V < 0, 0–0.3, 0.3–0.6)."""
    r = motions["all"]
    assert abs(r["vt_made"] - r["vt_real"]) < 3 * _combined(r, "vt")


@pytest.mark.slow
def test_made_proper_motions_match_hipparcos(motions):
    """Median total proper motion of all V < 6.5 stars, made against Hipparcos, within 10 %
    (measured, seed 1: 38.3 ± 0.4 against 35.9 ± 0.6 mas/yr, 1.067; before the solar motion
    was made consistent with the drift law: 42.5, 1.18). The remaining excess, beyond the
    bootstrap errors, is not kinematic (the tangential velocities agree, test above): the made
    A and F stars are nearer than Hipparcos' (median distance of B−V 0–0.3: 86 against 97 pc),
    a matter of the populations, not of the motions."""
    r = motions["all"]
    assert r["mu_made"] / r["mu_real"] == pytest.approx(1.0, abs=0.10)


# issue 14, measured (seed 1, V < 6.5 within 200 pc; benchmarks/motions_bins.py: the made age, component,
# phase and M_V = V + 5 − 5 log d against Hipparcos' M_V from the parallax): not a kinematic law
# and not K dwarfs (MIST's K0–K5 B−V is off only −0.02…−0.05). Slicing each bin by M_V, the made
# stars that lag too much are ones the real bin does not hold in that number. Their velocities
# follow the laws (each bin's made 3-D mean V is 5.25 + its mean σ_U²/80 within 1 km/s), and the
# made σ_U of B−V 0.6–1.0, 36.4 km/s (3-D), is not above DB98's σ₁ = 38 km/s past Parenago's
# discontinuity (their abstract), so neither the age–velocity relation nor the drift law is at fault.
_OLD_DWARFS_BLUE = pytest.mark.xfail(strict=True, reason=(
    "issue 14: the made 0.3-0.6 bin holds too many old G dwarfs: at M_V > 3.5 it has 310 stars "
    "against Hipparcos' 200 (median age 3.2 Gyr, 6.5 % thick disc) with V 22.5 against 12.6 km/s, "
    "because the made dwarfs with M_V > 3.5 are bluer (median B-V 0.541 against 0.595; MIST's Sun "
    "B-V 0.618 against 0.653): made V 17.2 against 12.8 km/s (seed 1; seed 2: 16.5, with 291 "
    "dwarfs at V 22.0); at M_V 0.5-3.5 the bin's made V is within 1.4-1.9 km/s of Hipparcos' "
    "with the same residual dispersion S (25.8-28.4 against 25.8-26.3, seed 1)"))
_OLD_CLUMP = pytest.mark.xfail(strict=True, reason=(
    "issue 14: the made 0.6-1.0 bin holds too many old, metal-poor clump giants: at M_V 0.5-2 it "
    "has 722 stars against Hipparcos' 444, 15.5 % thick disc, median age 3.0 Gyr, V 26.3 against "
    "15.3 km/s and S 47.6 against 37.1; the made clump giants older than 7 Gyr ([Fe/H] -0.53, 37 % "
    "thick disc) lie at B-V 0.88, those of 1-7 Gyr at 1.01-1.02, and the made clump has 680 stars "
    "at B-V 0.8-1.0 against 416 real but 142 at 1.1-1.4 against 348: made V 23.0 against 16.7 "
    "km/s (seed 1; seed 2: 22.8, the clump slice 695 stars at V 23.6); the made velocities "
    "follow their law (3D mean V 22.4, law 5.25 + lag 22.4). Not MIST's clump colour: MIST's "
    "CHeB stars at [Fe/H] 0, 2-11 Gyr, have B-V 1.005-1.063, Teff 4742-4851 K (Puzeras et al. "
    "2010, arXiv:1006.3857: 62 Hipparcos clump giants, 4750 +/- 160 K, [Fe/H] -0.04 +/- 0.15). "
    "The made clump's median [Fe/H] is -0.04 but its spread 0.26 (7-10 Gyr thin disc and thick "
    "disc 20 %); recoloured through MIST with Puzeras' [Fe/H] distribution the bin's clump slice "
    "falls only to 586 and V to 22.1 (all at [Fe/H] 0: 502, 19.2), and B-V 1.1-1.4 stays "
    "123-159 against 348: the clump's metallicity is part of it, not all; the made giant branch "
    "at M_V -1..2 is bluer throughout (B-V 75th percentile 0.05-0.16 below Hipparcos'; made "
    "RGB median [Fe/H] -0.07..-0.16), giant metallicity or MIST's RGB colour, open "
    "(benchmarks/clump_colours.py)"))


@pytest.mark.slow
@pytest.mark.parametrize("bv", ["all", 0.0, pytest.param(0.3, marks=_OLD_DWARFS_BLUE),
                                pytest.param(0.6, marks=_OLD_CLUMP), 1.0, 1.4])
def test_solar_motion_from_proper_motions_matches_hipparcos(motions, bv):
    """The Sun's motion fitted from proper motions alone (DB98's method, stars within 200 pc)
    to the made sky and to Hipparcos agrees per component within 3 combined bootstrap errors,
    for all V < 6.5 stars (measured, seed 1, velocities keyed by row since issue 13: made U, V,
    W = 9.96, 16.22, 7.59; Hipparcos 10.57, 15.22, 7.29 km/s, errors ≈ 0.3–0.4; with SBD10's V⊙
    it was V = 21.9 ± 0.3) and in each B−V bin from 0 on (V, before the row keying: 9.8/9.6,
    14.1/12.8, 18.2/16.7, 21.3/19.8, 22.6/22.8 km/s made/Hipparcos; with SBD10's V⊙ 16.8, 21.1,
    25.2, 28.3, 29.6 made). Stars bluer than B−V = 0 are left out, as DB98 found them not to
    follow the asymmetric-drift relation (young moving groups; here made V 9.1 against 14.4
    km/s). The 0–0.3 bin's W is tested apart (below)."""
    r = motions[bv]
    assert r["n_fit_made"] > 200 and r["n_fit_real"] > 200
    for c in ("UV" if bv == 0.0 else "UVW"):
        assert abs(r[f"{c}_made"] - r[f"{c}_real"]) < 3 * _combined(r, c), c


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="issue 14: young (B−V 0–0.3) stars' fitted W⊙ is 7.71 made against "
                   "6.43 km/s in Hipparcos (seed 1; seeds 2–4: 7.43, 7.23, 7.50): the made young stars "
                   "follow W⊙ = 7.17 (DB98; their 3-D mean W is 7.29 and 7.14 km/s, seeds 1 "
                   "and 2, benchmarks/motions_bins.py), the real ones move ~1 km/s less (Gould Belt, young "
                   "groups): at M_V 0.5-2 and 2-3.5, 7.6 and 8.4 made against 6.0 and 6.0 (seed 1)")
def test_young_stars_vertical_solar_motion_matches_hipparcos(motions):
    """Known wrong (strict xfail): W⊙ fitted from B−V 0–0.3 stars within 200 pc, made against
    Hipparcos, within 3 combined bootstrap errors. Measured with the row-keyed velocities (issue
    13), `python -c` over seeds 1–4 of ``kinematics_table``: made 7.71, 7.43, 7.23, 7.50 against
    6.43 ± 0.3 km/s — a systematic ~1 km/s (2–3σ), not the draw's noise; U and V of the bin agree
    (test above)."""
    r = motions[0.0]
    assert abs(r["W_made"] - r["W_real"]) < 3 * _combined(r, "W")


# --------------------------------------------------------------------------- populations
@pytest.mark.slow
def test_a_star_share_far_from_the_plane_matches_hipparcos(made):
    """Among V < 6.5 stars at |b| ≥ 30°, the share of A-type stars (B−V 0–0.3) made against
    Hipparcos within 15 % (measured, seed 1: 0.177 against 0.188, 619 against 623 A-coloured
    stars; 0.175, 0.182 seeds 2, 3)."""
    p = populations_table(made, sm.hipparcos())
    assert p["a_share_made_b30_90"] / p["a_share_real_b30_90"] == pytest.approx(1.0, abs=0.15)


@pytest.fixture(scope="module")
def census(made):
    """The plane's (|b| < 10°) V < 6.5 stars by kind, made (T_eff, log g) against Hipparcos (the
    main catalogue's spectral types): ``reports.validate.plane_census``."""
    hip = sm.hipparcos()
    return plane_census(made, hip, hipparcos_spectral_types(hip["hip"]))


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "issue 14: of Hipparcos' 498 A-coloured V < 6.5 stars at |b| < 10° (seed 1 makes 332), 57 are "
    "O/B supergiants and bright giants (MK class I-II, made 5) and 84 other O/B stars (made 31), both "
    "reddened into B-V 0-0.3; 22 are A/F supergiants (made 7); 335 are A stars by their own colour "
    "(made 289). MIST crosses the Hertzsprung gap too fast to make B supergiants, and the smooth dust "
    "disc reddens too few hot stars (the two tests below); the made plane has more stars "
    "(2,638 against 2,350: late-B dwarfs)"))
def test_a_star_share_in_the_plane_matches_hipparcos(made):
    """Known wrong (strict xfail, so a fix shows): at |b| < 10° the made share of A-type stars
    (B−V 0–0.3) among V < 6.5 is 0.126 against Hipparcos' 0.212 (seed 1; 0.122, 0.134 seeds 2,
    3; 0.141 with ``dust="sfd"``), while at |b| ≥ 30° it is 0.177 against 0.188. Not a lack of
    hot stars (the plane has more than Hipparcos, test below), not the A stars' layer (issue 14's
    first look: reducing the 0.15–1 Gyr bin's scale height by 25 % left the bands' shares as
    they were),
    but what the hot stars look like: sorted by kind (``plane_census``; Hipparcos by its main
    catalogue's spectral types, the made stars by T_eff > 10,000 K and log g), the real
    A-coloured stars in the plane are 57 reddened O/B supergiants and bright giants (made 5,
    seeds 2, 3: 16, 11), 84 reddened O/B dwarfs and giants (made 31; 29, 36; 73 with SFD dust),
    22 A/F supergiants (made 7; 6, 6) and 335 A stars by their own colour (made 289; 267, 294).
    If the first three matched, the made share would be ≈ 0.16; the rest is the made plane's
    excess of late-B dwarfs (B−V −0.1…0: 643 made, 367 real), which fills the denominator
    (benchmarks/a_stars_plane.py; README, "Against the real sky")."""
    p = populations_table(made, sm.hipparcos())
    assert p["a_share_made_b0_10"] / p["a_share_real_b0_10"] == pytest.approx(1.0, abs=0.15)


@pytest.mark.slow
def test_the_plane_has_as_many_hot_stars_as_hipparcos(census):
    """The A-coloured stars missing from the made plane are not missing hot stars: at |b| < 10°
    the made sky has at least as many stars hotter than 10,000 K with V < 6.5 as Hipparcos has
    O and B stars (by the main catalogue's spectral types). Measured: 927 against 770 (seed 1;
    877, 923 seeds 2, 3; Poisson ±3.6 %); the excess is late-B dwarfs, 2.0 times Hipparcos'
    at B−V −0.1…−0.05 within 150 pc (benchmarks/a_stars_plane.py)."""
    assert census["n_hot_made"] >= census["n_hot_real"]


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "issue 14: MIST makes almost no B supergiants: 11 stars hotter than 10,000 K with log g < 3.3 "
    "at V < 6.5, |b| < 10° (seed 1; 21, 17 seeds 2, 3) against Hipparcos' 111 O/B stars of class "
    "I-II. MIST v2.5's 9-25 M☉ tracks ([Fe/H] = 0) spend 0.06-0.18 % of their lives hotter than "
    "10,000 K at log g < 3: they cross the Hertzsprung gap to the red in 1-3 x 10^4 yr"))
def test_the_plane_has_hipparcos_b_supergiants(census):
    """Known wrong (strict xfail): the made naked-eye plane (|b| < 10°, V < 6.5) has within a
    factor 2 as many hot luminous stars (T_eff > 10,000 K, log g < 3.3: past the end of MIST's
    main sequence for 12–20 M☉, log g 3.36–3.20) as Hipparcos has O and B stars of luminosity
    class I–II. Measured: 11 against 111 (seed 1). The Galaxy's B supergiants are many (de Burgos
    et al. 2023, A&A 674, A212: ≈ 500 O9–B9 stars of class I–II within ≈ 4 kpc) where MIST's
    tracks cross the Hertzsprung gap in 1–3 × 10⁴ yr, a known discrepancy between evolution
    models and the observed blue supergiants (the "blue supergiant problem": Bellinger, de Mink,
    van Rossem & Justham 2024, arXiv:2311.00038); 57 of
    them are A-coloured by their dust (above). A fix is in the evolution models, not here."""
    assert census["n_hot_bright_made"] / census["n_hot_bright_real"] == pytest.approx(1.0, abs=0.5)


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "issue 14: the smooth dust disc reddens too few hot stars into A colours: of the plane's "
    "(|b| < 10°) V < 6.5 O/B stars below class I-II, 84 of 659 (0.127) are A-coloured in "
    "Hipparcos, 31 of 916 (0.034) made (seed 1; 0.034, 0.040 seeds 2, 3; 0.086 with dust='sfd')"))
def test_the_plane_reddens_hot_stars_as_hipparcos(census):
    """Known wrong (strict xfail): the share of the plane's hot stars (not class I–II / log g ≥
    3.3) that dust moves into A colours (B−V 0–0.3), made against Hipparcos, within 30 %.
    Measured: 0.034 against 0.127 (seed 1). The made O/B stars' E(B−V) = (B−V) − (B−V)₀ has
    about the right median but too narrow a spread: at 500–1000 pc its 16th–84th percentiles are
    0.15–0.23 (median 0.18) against 0.05–0.51 (median 0.14) for Hipparcos' O/B stars with
    (B−V)₀ from their spectral types (benchmarks/a_stars_plane.py): the real dust is clumpy,
    the model's a smooth disc (with the SFD map per pixel, 0.10–0.25)."""
    share = {w: census[f"n_a_hot_{w}"] / (census[f"n_hot_{w}"] - census[f"n_hot_bright_{w}"])
             for w in ("made", "real")}
    assert share["made"] / share["real"] == pytest.approx(1.0, abs=0.3)


@pytest.mark.slow
def test_no_naked_eye_star_above_the_humphreys_davidson_limit(made):
    """No cool supergiant is more luminous than the Humphreys–Davidson limit (Humphreys &
    Davidson 1979, ApJ 232, 409: log L/L☉ ≈ 5.8, M_bol ≈ −9.8), so no naked-eye star should
    have M_V < −9.8. Before ``evolution.hd_limit`` (issue 14) MIST v2.5's 50–60 M☉ tracks, which
    spend ~2 % of their lives as cool supergiants above the limit, made M_V = −10.37 (seed 1:
    a 61 M☉ core-helium-burning star at log L = 6.05, T_eff ≈ 8,500 K); with the limit applied
    the brightest made naked-eye star is M_V −9.75 (seed 1)."""
    assert populations_table(made, sm.hipparcos())["mv_min_made"] > -9.8
