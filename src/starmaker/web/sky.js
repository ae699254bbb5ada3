// starmaker planetarium: a small hand-written canvas renderer for the page that
// starmaker.web.page writes. No library, no network: everything it draws comes from the JSON
// payload in the page. Formulas: Greenwich mean sidereal time, Meeus (1998) Astronomical
// Algorithms eq. 12.4; refraction, Saemundsson (1986) Sky & Telescope 72, 70; all-sky map,
// Hammer's equal-area projection.
(function () {
  "use strict";
  const P = JSON.parse(document.getElementById("payload").textContent);
  const D2R = Math.PI / 180, R2D = 180 / Math.PI, MAS = D2R / 3.6e6;
  const cv = document.getElementById("sky"), ctx = cv.getContext("2d");
  const LAT = P.site.lat * D2R, SLAT = Math.sin(LAT), CLAT = Math.cos(LAT);
  const REFR = (P.site.pressure_mbar / 1010) * (283 / (273 + P.site.temperature_C));
  const N = P.night, TM = N.t_min, T_END = N.t0_ms + TM[N.n - 1] * 60000;
  const S = {view: "dome", set: P.sets.real ? "real" : "made", lines: true, names: true,
    t: Math.min(Math.max(P.start_ms, N.t0_ms), T_END), epoch: 0, zoom: 1, panX: 0, panY: 0, ra0: 0,
    sel: null};

  // ---- stars: unit vectors at the evening's date and their proper-motion tangents -------------
  function prepare(tab) {
    const n = tab.ra.length;
    tab.base = new Float64Array(6 * n);
    tab.cra = new Float64Array(n); tab.cdec = new Float64Array(n);
    tab.alt = new Float64Array(n); tab.az = new Float64Array(n);
    tab.sx = new Float32Array(n); tab.sy = new Float32Array(n); tab.on = new Uint8Array(n);
    tab.lim = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const a = tab.ra[i] * D2R, d = tab.dec[i] * D2R;
      const ca = Math.cos(a), sa = Math.sin(a), cd = Math.cos(d), sd = Math.sin(d);
      const pa = (tab.pmra[i] || 0) * MAS, pd = (tab.pmdec[i] || 0) * MAS;
      tab.base.set([cd * ca, cd * sa, sd, -pa * sa - pd * sd * ca, pa * ca - pd * sd * sa, pd * cd], 6 * i);
    }
    atEpoch(tab, 0);
  }
  // straight lines in the tangent plane, then back onto the sphere (as starmaker.observer does)
  function atEpoch(tab, years) {
    const n = tab.ra.length, b = tab.base;
    for (let i = 0; i < n; i++) {
      const k = 6 * i;
      const x = b[k] + b[k + 3] * years, y = b[k + 1] + b[k + 4] * years, z = b[k + 2] + b[k + 5] * years;
      const r = Math.hypot(x, y, z);
      tab.cra[i] = Math.atan2(y, x); tab.cdec[i] = Math.asin(Math.max(-1, Math.min(1, z / r)));
    }
  }
  const sets = P.sets;
  for (const k in sets) prepare(sets[k]);
  const C = P.constellations;
  if (C.stars.ra.length) prepare(C.stars);
  const hipIndex = new Map();
  if (sets.real) sets.real.hip.forEach((h, i) => { if (h > 0) hipIndex.set(h, i); });

  // ---- time, sidereal time, horizon coordinates ----------------------------------------------
  function gmstDeg(ms) {  // Meeus eq. 12.4 (UT1 taken as UTC: < 0.9 s)
    const d = ms / 86400000 + 2440587.5 - 2451545.0, T = d / 36525;
    const g = 280.46061837 + 360.98564736629 * d + 0.000387933 * T * T - T * T * T / 38710000;
    return ((g % 360) + 360) % 360;
  }
  function lst(ms) { return (gmstDeg(ms) + 15 * P.eqeq_h + P.site.lon) * D2R; }  // apparent, radians
  function refraction(h) {  // degrees to add to the true altitude h (deg)
    return h > -1 ? REFR * 1.02 / Math.tan((h + 10.3 / (h + 5.11)) * D2R) / 60 : 0;
  }
  function horizontal(raRad, decRad, L) {
    const H = L - raRad, cd = Math.cos(decRad), sd = Math.sin(decRad), ch = Math.cos(H);
    const up = sd * SLAT + cd * ch * CLAT, north = sd * CLAT - cd * ch * SLAT, east = -cd * Math.sin(H);
    const h = Math.asin(Math.max(-1, Math.min(1, up))) * R2D;
    let az = Math.atan2(east, north) * R2D;
    if (az < 0) az += 360;
    return [h + refraction(h), az];
  }
  function equatorial(altDeg, azDeg, L) {  // geometric inverse (no refraction): for drawing the horizon
    const a = altDeg * D2R, z = azDeg * D2R;
    const up = Math.sin(a), north = Math.cos(a) * Math.cos(z), east = Math.cos(a) * Math.sin(z);
    const dec = Math.asin(up * SLAT + north * CLAT);
    const H = Math.atan2(-east, up * CLAT - north * SLAT);
    return [L - H, dec];
  }
  function place(tab, L) {
    const n = tab.ra.length;
    for (let i = 0; i < n; i++) {
      const r = horizontal(tab.cra[i], tab.cdec[i], L);
      tab.alt[i] = r[0]; tab.az[i] = r[1];
    }
  }

  // ---- the Sun, Moon and planets: precomputed every step, interpolated as unit vectors ----------
  function stepOf(ms) {  // [i, f]: between step i and i + 1, fraction f (steps are finer in twilight)
    if (N.n < 2) return [0, 0];
    const m = Math.min(Math.max((ms - N.t0_ms) / 60000, 0), TM[N.n - 1]);
    let lo = 0, hi = N.n - 1;
    while (hi - lo > 1) { const mid = (lo + hi) >> 1; if (TM[mid] <= m) lo = mid; else hi = mid; }
    return [lo, (m - TM[lo]) / (TM[lo + 1] - TM[lo])];
  }
  function vec(alt, az) {
    const a = alt * D2R, z = az * D2R;
    return [Math.cos(a) * Math.cos(z), Math.cos(a) * Math.sin(z), Math.sin(a)];
  }
  function body(name, ms) {
    const b = P.bodies[name], [i, f] = stepOf(ms), j = Math.min(i + 1, N.n - 1);
    const u = vec(b.alt[i], b.az[i]), v = vec(b.alt[j], b.az[j]);
    const w = [0, 1, 2].map((k) => u[k] + f * (v[k] - u[k])), r = Math.hypot(w[0], w[1], w[2]);
    let az = Math.atan2(w[1], w[0]) * R2D;
    if (az < 0) az += 360;
    const out = {name: name, alt: Math.asin(w[2] / r) * R2D, az: az};
    for (const k of ["V", "frac", "phase"]) if (b[k]) out[k] = b[k][i] + f * (b[k][j] - b[k][i]);
    return out;
  }

  // ---- the naked-eye limit: Schaefer's model on a coarse alt-az grid, interpolated -------------
  // Between altitude nodes the limit is interpolated in air mass, in which it is nearly linear (the
  // extinction and the sky's glow both grow with it); in altitude it is concave and a linear
  // interpolation would lose ~2 % of the stars. Air mass: Kasten & Young (1989), Applied Optics 28, 4735.
  const airmass = (alt) => 1 / (Math.sin(alt * D2R) + 0.50572 * Math.pow(alt + 6.07995, -1.6364));
  const LG = P.limit, NA = LG.alt.length, NZ = LG.az.length, DZ = 360 / NZ, XN = LG.alt.map(airmass);
  function gridAt(g, alt, az) {
    let ia = 0;
    while (ia < NA - 2 && alt > LG.alt[ia + 1]) ia++;
    const fa = Math.min(Math.max((airmass(alt) - XN[ia]) / (XN[ia + 1] - XN[ia]), 0), 1);
    const zf = az / DZ, iz = Math.floor(zf) % NZ, fz = zf - Math.floor(zf), jz = (iz + 1) % NZ;
    const v00 = g[ia * NZ + iz], v01 = g[ia * NZ + jz], v10 = g[(ia + 1) * NZ + iz], v11 = g[(ia + 1) * NZ + jz];
    return ((1 - fa) * ((1 - fz) * v00 + fz * v01) + fa * ((1 - fz) * v10 + fz * v11)) / 100;
  }
  function limitAt(alt, az, ms) {
    if (alt < 0) return -Infinity;
    const [i, f] = stepOf(ms), j = Math.min(i + 1, N.n - 1);
    const a = gridAt(LG.grid_cmag[i], alt, az);
    return f > 0 ? a + f * (gridAt(LG.grid_cmag[j], alt, az) - a) : a;
  }

  // ---- the Milky Way's glow: the light of the model's stars fainter than the catalogue's limit
  // (starmaker.galaxy.glow), as strong as it shows against this sky: its share of the light less a
  // threshold contrast of 5 % (galaxy.glow.glow_alpha), the sky's brightness interpolated like the
  // limit; the glow dimmed by the air (k_V per air mass). Nothing shows by day, in twilight, under a
  // bright Moon or a city's glow.
  const G = P.glow;
  let glowCanvas = null;
  function glowAlpha(gmag, smag) {
    const r = Math.pow(10, -0.4 * (gmag - smag)), share = r / (1 + r);
    return Math.min(1, Math.max(0, (share - 0.05) / 0.95));
  }
  function skyMagAt(alt, az, ms) {
    const [i, f] = stepOf(ms), j = Math.min(i + 1, N.n - 1);
    const a = gridAt(LG.sky_cmag[i], alt, az);
    return f > 0 ? a + f * (gridAt(LG.sky_cmag[j], alt, az) - a) : a;
  }
  function drawGlow(L, dome) {
    if (!G || !LG.sky_cmag) return;
    if (!glowCanvas) glowCanvas = document.createElement("canvas");
    glowCanvas.width = cv.width; glowCanvas.height = cv.height;
    const g = glowCanvas.getContext("2d"), dpr = window.devicePixelRatio || 1;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    const rad = 0.62 * G.size_deg * (dome ? domeR() / 90 : allScale() * 1.3 * D2R);
    const zenithSky = skyMagAt(90, 0, S.t);
    for (let i = 0; i < G.ra.length; i++) {
      const ra = G.ra[i] * D2R, de = G.dec[i] * D2R, [alt, az] = horizontal(ra, de, L);
      let a, x, y;
      if (alt > 0) a = glowAlpha(G.cmag[i] / 100 + LG.k_V * airmass(alt), skyMagAt(alt, az, S.t));
      else if (dome) continue;
      else a = 0.35 * glowAlpha(G.cmag[i] / 100, zenithSky);  // below the horizon: faded, as its stars
      if (a <= 0.004) continue;
      if (dome) [x, y] = domeXY(alt, az); else [x, y] = allXY(ra, de);
      g.fillStyle = "rgba(204,199,179," + a.toFixed(3) + ")";
      g.beginPath(); g.arc(x, y, rad, 0, 2 * Math.PI); g.fill();
    }
    ctx.save();
    if (dome) {
      const [cx, cy] = domeXY(90, 0);
      ctx.beginPath(); ctx.arc(cx, cy, domeR(), 0, 2 * Math.PI); ctx.clip();
    }
    ctx.filter = "blur(" + Math.max(1, 0.7 * rad).toFixed(1) + "px)";
    ctx.drawImage(glowCanvas, 0, 0, W, H);
    ctx.restore();
  }

  // ---- colours -----------------------------------------------------------------------------
  const SKY = [[-90, [2, 3, 8]], [-18, [2, 3, 8]], [-12, [8, 14, 34]], [-6, [26, 42, 88]], [-2, [60, 86, 145]],
    [0, [96, 136, 200]], [8, [112, 162, 226]], [90, [120, 172, 235]]];
  function skyColour(sunAlt) {
    for (let i = 1; i < SKY.length; i++) {
      if (sunAlt <= SKY[i][0]) {
        const [a0, c0] = SKY[i - 1], [a1, c1] = SKY[i], f = (sunAlt - a0) / (a1 - a0);
        return "rgb(" + c0.map((c, k) => Math.round(c + f * (c1[k] - c))).join(",") + ")";
      }
    }
    return "rgb(120,172,235)";
  }
  // a moonlit (or light-polluted) night: bluer grey as the zenith limit falls below the darkest one
  function nightColour(sunAlt, ms) {
    const base = skyColour(sunAlt).slice(4, -1).split(",").map(Number);
    const [i, f] = stepOf(ms), z = LG.zenith[i] + f * ((LG.zenith[i + 1] ?? LG.zenith[i]) - LG.zenith[i]);
    const m = sunAlt < -4 ? Math.max(0, Math.min(0.5, (LG.dark_zenith - z) / 6)) : 0, glow = [44, 62, 104];
    return "rgb(" + base.map((c, k) => Math.round(c + m * (glow[k] - c))).join(",") + ")";
  }
  const BV = [[-0.4, [155, 176, 255]], [0.0, [202, 215, 255]], [0.4, [248, 247, 255]], [0.8, [255, 236, 210]],
    [1.2, [255, 214, 165]], [1.6, [255, 190, 127]], [2.2, [255, 160, 90]]];
  function starColour(bv) {
    if (bv === null || isNaN(bv)) bv = 0.6;
    bv = Math.max(-0.4, Math.min(2.2, bv));
    for (let i = 1; i < BV.length; i++) {
      if (bv <= BV[i][0]) {
        const [b0, c0] = BV[i - 1], [b1, c1] = BV[i], f = (bv - b0) / (b1 - b0);
        return c0.map((c, k) => Math.round(c + f * (c1[k] - c)));
      }
    }
    return BV[BV.length - 1][1];
  }
  for (const k in sets) sets[k].rgb = sets[k].bv.map(starColour);

  // ---- projections -------------------------------------------------------------------------
  let W = 0, H = 0;
  function resize() {
    const dpr = window.devicePixelRatio || 1;
    W = cv.clientWidth; H = cv.clientHeight;
    cv.width = Math.round(W * dpr); cv.height = Math.round(H * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  }
  function domeR() { return 0.46 * Math.min(W, H - 60) * S.zoom; }
  function domeXY(alt, az) {  // azimuthal equidistant, zenith at the centre, north up, east left
    const r = (90 - alt) / 90 * domeR(), z = az * D2R;
    return [W / 2 + S.panX - r * Math.sin(z), (H - 60) / 2 + S.panY - r * Math.cos(z)];
  }
  function allScale() { return Math.min(W / 5.9, (H - 60) / 3.0) * S.zoom; }
  function allXY(raRad, decRad) {  // Hammer projection of RA/Dec (equinox of date), RA growing left
    let l = raRad - S.ra0 * D2R;
    l = Math.atan2(Math.sin(l), Math.cos(l));
    const cd = Math.cos(decRad), z = Math.sqrt(1 + cd * Math.cos(l / 2)), k = allScale();
    return [W / 2 + S.panX - k * 2 * Math.SQRT2 * cd * Math.sin(l / 2) / z,
      (H - 60) / 2 + S.panY - k * Math.SQRT2 * Math.sin(decRad) / z];
  }

  // ---- drawing -----------------------------------------------------------------------------
  function activeSets() {
    return S.set === "both" ? Object.keys(sets) : (sets[S.set] ? [S.set] : []);
  }
  function countVisible(name) {
    const tab = sets[name];
    let c = 0;
    for (let i = 0; i < tab.ra.length; i++) if (tab.alt[i] >= 0 && tab.V[i] <= tab.lim[i]) c++;
    return c;
  }
  function update() {
    const L = lst(S.t);
    for (const k in sets) {
      const tab = sets[k];
      place(tab, L);
      for (let i = 0; i < tab.ra.length; i++) tab.lim[i] = limitAt(tab.alt[i], tab.az[i], S.t);
    }
    if (C.stars.ra.length) place(C.stars, L);
    return L;
  }
  function drawStar(x, y, V, rgb, alpha, ring) {
    const r = Math.max(0.7, Math.min(5.5, 3.4 - 0.45 * V)) * Math.sqrt(Math.max(1, S.zoom * 0.8));
    ctx.fillStyle = "rgba(" + rgb[0] + "," + rgb[1] + "," + rgb[2] + "," + alpha.toFixed(2) + ")";
    ctx.beginPath(); ctx.arc(x, y, r, 0, 2 * Math.PI); ctx.fill();
    if (ring) { ctx.strokeStyle = "rgba(255,110,220,0.7)"; ctx.lineWidth = 0.8; ctx.stroke(); }
  }
  function drawMoon(x, y, m, sunXY) {
    const r = 8 * Math.sqrt(Math.max(1, S.zoom * 0.6)), f = Math.max(0, Math.min(1, m.frac));
    const th = Math.atan2(sunXY[1] - y, sunXY[0] - x);
    ctx.save(); ctx.translate(x, y); ctx.rotate(th);
    ctx.fillStyle = "#2a2a30"; ctx.beginPath(); ctx.arc(0, 0, r, 0, 2 * Math.PI); ctx.fill();
    ctx.fillStyle = "#f4f1e4"; ctx.beginPath();
    ctx.arc(0, 0, r, -Math.PI / 2, Math.PI / 2, false);
    ctx.ellipse(0, 0, Math.abs(2 * f - 1) * r, r, 0, Math.PI / 2, 3 * Math.PI / 2, f < 0.5);
    ctx.fill(); ctx.restore();
  }
  // labels are queued while drawing and written last, most important first, each only where it
  // overlaps none already written (the Moon, planets and the wish before stars, stars before
  // constellations)
  let queue = [];
  function label(text, x, y, colour, prio = 1, centred = false) {
    queue.push({text: text, x: centred ? x : x + 6, y: centred ? y : y - 4, colour: colour, prio: prio, centred: centred});
  }
  function writeLabels() {
    const boxes = [];
    queue.sort((a, b) => b.prio - a.prio);
    for (const q of queue) {
      const w = ctx.measureText(q.text).width, x0 = q.centred ? q.x - w / 2 : q.x;
      const box = [x0 - 2, q.y - 11, x0 + w + 2, q.y + 3];
      if (q.prio < 3 && boxes.some((b) => box[0] < b[2] && b[0] < box[2] && box[1] < b[3] && b[1] < box[3])) continue;
      boxes.push(box);
      ctx.textAlign = q.centred ? "center" : "left";
      ctx.fillStyle = q.colour; ctx.fillText(q.text, q.x, q.y);
    }
    ctx.textAlign = "left";
    queue = [];
  }
  function draw() {
    const L = update(), dome = S.view === "dome";
    const sun = body("Sun", S.t), moon = body("Moon", S.t), wish = wishMark();
    ctx.clearRect(0, 0, W, H);
    ctx.fillStyle = "#000"; ctx.fillRect(0, 0, W, H);
    const bg = nightColour(sun.alt, S.t);
    ctx.font = "12px system-ui,sans-serif";
    // background, grid, horizon
    if (dome) {
      const [cx, cy] = domeXY(90, 0), R = domeR();
      ctx.fillStyle = bg; ctx.beginPath(); ctx.arc(cx, cy, R, 0, 2 * Math.PI); ctx.fill();
      if (sun.alt > -18 && sun.alt < 10) {  // twilight: the sky is brightest toward the Sun
        const a = 0.45 * Math.min(1, (sun.alt + 18) / 18) * Math.min(1, (10 - sun.alt) / 10);
        const [gx, gy] = domeXY(Math.max(sun.alt, -20), sun.az);
        const g = ctx.createRadialGradient(gx, gy, 0, gx, gy, 1.3 * R);
        g.addColorStop(0, "rgba(255,170,100," + a.toFixed(3) + ")");
        g.addColorStop(0.45, "rgba(255,190,140," + (a / 3).toFixed(3) + ")");
        g.addColorStop(1, "rgba(255,200,160,0)");
        ctx.save(); ctx.beginPath(); ctx.arc(cx, cy, R, 0, 2 * Math.PI); ctx.clip();
        ctx.fillStyle = g; ctx.fillRect(0, 0, W, H); ctx.restore();
      }
      ctx.strokeStyle = "rgba(160,170,200,0.25)"; ctx.lineWidth = 1;
      for (const a of [30, 60]) { ctx.beginPath(); ctx.arc(cx, cy, R * (90 - a) / 90, 0, 2 * Math.PI); ctx.stroke(); }
      ctx.strokeStyle = "rgba(160,170,200,0.6)"; ctx.beginPath(); ctx.arc(cx, cy, R, 0, 2 * Math.PI); ctx.stroke();
      ctx.fillStyle = "#cbd"; ctx.textAlign = "center";
      for (const [t, az] of [["N", 0], ["E", 90], ["S", 180], ["W", 270]]) {
        const [x, y] = domeXY(-6, az); ctx.fillText(t, x, y + 4);
      }
      ctx.textAlign = "left";
    } else {
      const k = allScale(), cx = W / 2 + S.panX, cy = (H - 60) / 2 + S.panY;
      ctx.fillStyle = bg; ctx.beginPath();
      ctx.ellipse(cx, cy, 2 * Math.SQRT2 * k, Math.SQRT2 * k, 0, 0, 2 * Math.PI); ctx.fill();
      ctx.strokeStyle = "rgba(160,170,200,0.2)"; ctx.lineWidth = 1;
      for (let d = -60; d <= 60; d += 30) polyline((i) => [S.ra0 * D2R - Math.PI + i * Math.PI / 60, d * D2R], 121);
      for (let h = 0; h < 24; h += 2) polyline((i) => [h * 15 * D2R, (-90 + i * 1.5) * D2R], 121, true);
      ctx.strokeStyle = "rgba(120,220,140,0.7)"; ctx.lineWidth = 1.5;
      polyline((i) => equatorial(0, i * 3, L), 121, true);
      ctx.fillStyle = "rgba(120,220,140,0.8)";
      for (const [t, az] of [["horizon N", 0], ["horizon S", 180]]) {
        const [x, y] = allXY(...equatorial(0, az, L)); ctx.fillText(t, x + 4, y - 4);
      }
    }
    drawGlow(L, dome);
    // constellation lines and names
    const cs = C.stars;
    if (S.lines && cs.ra.length) {
      ctx.strokeStyle = "rgba(120,150,220,0.45)"; ctx.lineWidth = 1;
      ctx.beginPath();
      for (const fig of C.lines) {
        for (let k = 0; k < fig.p.length; k += 2) {
          const a = fig.p[k], b = fig.p[k + 1];
          if (dome && (cs.alt[a] < 0 || cs.alt[b] < 0)) continue;
          const p = dome ? domeXY(cs.alt[a], cs.az[a]) : allXY(cs.cra[a], cs.cdec[a]);
          const q = dome ? domeXY(cs.alt[b], cs.az[b]) : allXY(cs.cra[b], cs.cdec[b]);
          if (!dome && Math.abs(p[0] - q[0]) > W / 4) continue;
          ctx.moveTo(p[0], p[1]); ctx.lineTo(q[0], q[1]);
        }
      }
      ctx.stroke();
    }
    if (S.names) {
      ctx.fillStyle = "rgba(150,170,230,0.75)"; ctx.textAlign = "center";
      for (const c of C.labels) {
        const ra = c.ra * D2R, de = c.dec * D2R;
        if (dome) {
          const [a, z] = horizontal(ra, de, L);
          if (a < 3) continue;
          const [x, y] = domeXY(a, z); label(c.name, x, y, "rgba(150,170,230,0.75)", 0, true);
        } else { const [x, y] = allXY(ra, de); label(c.name, x, y, "rgba(150,170,230,0.75)", 0, true); }
      }
      ctx.textAlign = "left";
    }
    // stars
    let shown = 0;
    const act = activeSets();
    for (const k of act) {
      const tab = sets[k], ring = S.set === "both" && k === "made";
      for (let i = 0; i < tab.ra.length; i++) {
        tab.on[i] = 0;
        const up = tab.alt[i] >= 0;
        const seen = up && (tab.V[i] <= tab.lim[i] || (wish && k === "real" && tab.hip[i] === P.wish.hip));
        let x, y, alpha;
        if (dome) {
          if (!seen) continue;
          [x, y] = domeXY(tab.alt[i], tab.az[i]);
          alpha = Math.min(1, 0.45 + 0.5 * (tab.lim[i] - tab.V[i]));
        } else {
          if (!seen && (up || tab.V[i] > LG.best - 1.5)) continue;
          [x, y] = allXY(tab.cra[i], tab.cdec[i]);
          alpha = seen ? Math.min(1, 0.45 + 0.5 * (tab.lim[i] - tab.V[i])) : 0.25;
        }
        tab.sx[i] = x; tab.sy[i] = y; tab.on[i] = 1;
        if (seen) shown++;
        drawStar(x, y, tab.V[i], tab.rgb[i], alpha, ring);
      }
    }
    S.shown = shown;
    // bright star names
    if (S.names && sets.real && act.includes("real")) {
      const tab = sets.real;
      ctx.fillStyle = "rgba(230,230,210,0.85)";
      for (let i = 0; i < tab.ra.length; i++) {
        if (!tab.on[i] || tab.V[i] > 1.6 || tab.alt[i] < 0) continue;
        const nm = tab.names[String(tab.hip[i])];
        if (nm) label(nm, tab.sx[i], tab.sy[i], "rgba(230,230,210,0.85)");
      }
    }
    // Sun, Moon, planets
    const proj = (b) => dome ? domeXY(b.alt, b.az) : allXY(...equatorial(b.alt - refraction(b.alt), b.az, L));
    const sunXY = proj(sun);
    if (sun.alt > -0.8 || !dome) {
      ctx.fillStyle = sun.alt > -0.8 ? "#ffe680" : "rgba(255,230,128,0.35)";
      ctx.beginPath(); ctx.arc(sunXY[0], sunXY[1], 9, 0, 2 * Math.PI); ctx.fill();
      label("Sun", sunXY[0], sunXY[1], "#ffe680", 3);
    }
    for (const name in P.bodies) {
      if (name === "Sun" || name === "Moon") continue;
      const b = body(name, S.t);
      if (dome && b.alt < 0) continue;
      const [x, y] = proj(b), lim = limitAt(b.alt, b.az, S.t), wished = wish && wish.name === name;
      if (dome && b.V > lim && !wished) continue;
      const col = b.alt < 0 ? "rgba(255,216,160,0.35)" : "#ffd8a0";
      ctx.fillStyle = col; ctx.beginPath();
      ctx.arc(x, y, Math.max(1.5, Math.min(5, 3.2 - 0.5 * b.V)), 0, 2 * Math.PI); ctx.fill();
      label(name, x, y, col, 2);
    }
    if (moon.alt > -0.5 || !dome) {
      const [x, y] = proj(moon);
      ctx.globalAlpha = moon.alt < 0 ? 0.4 : 1;
      drawMoon(x, y, moon, sunXY);
      ctx.globalAlpha = 1;
      label("Moon " + Math.round(100 * moon.frac) + "%", x + 4, y, "#eee", 3);
    }
    // the wish
    const w = wish;
    if (w) {
      ctx.strokeStyle = "#ffdd55"; ctx.lineWidth = 2;
      ctx.beginPath(); ctx.arc(w.x, w.y, 14, 0, 2 * Math.PI); ctx.stroke();
      label("\u2605 wish on " + P.wish.name, w.x + 10, w.y + 28, "#ffdd55", 4);  // below the object's name
    }
    // selection
    if (S.sel) {
      const tab = sets[S.sel.set], i = S.sel.i;
      if (tab.on[i]) {
        ctx.strokeStyle = "#9cf"; ctx.lineWidth = 1.2;
        ctx.beginPath(); ctx.arc(tab.sx[i], tab.sy[i], 9, 0, 2 * Math.PI); ctx.stroke();
      }
    }
    writeLabels();
    status(sun, moon);
  }
  function polyline(fn, n, breakWrap) {
    ctx.beginPath();
    let prev = null;
    for (let i = 0; i < n; i++) {
      const [ra, de] = fn(i), p = allXY(ra, de);
      if (prev && (!breakWrap || Math.abs(p[0] - prev[0]) < W / 4)) ctx.lineTo(p[0], p[1]);
      else ctx.moveTo(p[0], p[1]);
      prev = p;
    }
    ctx.stroke();
  }
  function wishMark() {
    const w = P.wish;
    if (!w || Math.abs(S.t - w.t_ms) > 10 * 60000) return null;
    let alt = w.alt, az = w.az;
    const L = lst(S.t);
    if (w.kind === "star" && hipIndex.has(w.hip)) {
      const i = hipIndex.get(w.hip);
      [alt, az] = horizontal(sets.real.cra[i], sets.real.cdec[i], L);
    } else if (P.bodies[w.name]) {
      const b = body(w.name, S.t); alt = b.alt; az = b.az;
    }
    const xy = S.view === "dome" ? domeXY(alt, az) : allXY(...equatorial(alt - refraction(alt), az, L));
    return {x: xy[0], y: xy[1], alt: alt, az: az, name: w.name};
  }

  // ---- text --------------------------------------------------------------------------------
  function localTime(ms) {
    const off = P.site.tz_offset_min, d = new Date(ms + off * 60000).toISOString();
    const sign = off >= 0 ? "+" : "-", a = Math.abs(off);
    return d.slice(0, 10) + " " + d.slice(11, 16) + " UTC" + sign + String(Math.floor(a / 60)).padStart(2, "0") +
      ":" + String(a % 60).padStart(2, "0");
  }
  function status(sun, moon) {
    document.getElementById("clock").textContent = localTime(S.t);
    document.getElementById("timeval").textContent = localTime(S.t).slice(11, 16);
    const e = S.epoch;
    document.getElementById("epochval").textContent = e === 0 ? "now" : (e > 0 ? "+" : "") + e.toLocaleString("en") + " yr";
    const [i, f] = stepOf(S.t), z = LG.zenith[i] + f * ((LG.zenith[i + 1] ?? LG.zenith[i]) - LG.zenith[i]);
    document.getElementById("status").textContent = "\u00b7 Sun " + sun.alt.toFixed(1) + "\u00b0 \u00b7 Moon " +
      Math.round(100 * moon.frac) + "% lit, " + (moon.alt > 0 ? "up" : "down") + " \u00b7 " + S.shown +
      (S.shown === 1 ? " star seen" : " stars seen") + " \u00b7 limit at zenith V " + z.toFixed(1);
  }
  const fmt = (v, nd, unit) => (v === null || v === undefined || isNaN(v)) ? "\u2014" : v.toFixed(nd) + (unit || "");
  function starName(set, i) {
    const tab = sets[set];
    if (set === "real") return tab.names[String(tab.hip[i])] || (tab.hip[i] ? "HIP " + tab.hip[i] : "star");
    const c = tab.comp[i] >= 0 ? tab.comps[tab.comp[i]] : "made";
    return c + " #" + tab.row[i];
  }
  function info(set, i) {
    const tab = sets[set];
    const lines = [starName(set, i) + (set === "made" ? " (made)" : " (Hipparcos)"),
      "V " + fmt(tab.V[i], 2) + "   B\u2212V " + fmt(tab.bv[i], 2),
      "distance " + fmt(tab.dist[i], 0, " pc") + (tab.dist[i] ? " (" + (tab.dist[i] * 3.2616).toFixed(0) + " ly)" : ""),
      "alt " + tab.alt[i].toFixed(1) + "\u00b0  az " + tab.az[i].toFixed(1) + "\u00b0"];
    if (set === "made") {
      lines.push("age " + fmt(tab.age_Myr[i], 1, " Myr") + ", phase " + (tab.phase[i] >= 0 ? tab.phases[tab.phase[i]] : "\u2014"));
      lines.push("lifespan " + fmt(tab.life_Myr[i], 1, " Myr"));
    }
    return lines.join("\n");
  }
  function select(set, i) {
    S.sel = set ? {set: set, i: i} : null;
    const el = document.getElementById("info");
    el.style.display = set ? "block" : "none";
    if (set) el.textContent = info(set, i);
    draw();
  }

  // ---- interaction -------------------------------------------------------------------------
  const timeEl = document.getElementById("time"), epochEl = document.getElementById("epoch");
  timeEl.min = 0; timeEl.max = Math.round((T_END - N.t0_ms) / 60000); timeEl.step = 1;
  timeEl.value = Math.round((S.t - N.t0_ms) / 60000);
  timeEl.addEventListener("input", () => { S.t = N.t0_ms + Number(timeEl.value) * 60000; draw(); });
  epochEl.addEventListener("input", () => setEpoch(Number(epochEl.value)));
  function setEpoch(years) {
    S.epoch = years;
    for (const k in sets) atEpoch(sets[k], years);
    if (C.stars.ra.length) atEpoch(C.stars, years);
    draw();
  }
  function setButtons() {
    for (const v of ["dome", "all"]) document.getElementById("v-" + v).className = S.view === v ? "on" : "";
    for (const s of ["real", "made", "both"]) {
      const b = document.getElementById("s-" + s);
      b.className = S.set === s ? "on" : "";
      b.disabled = s === "both" ? !(sets.real && sets.made) : !sets[s];
    }
  }
  for (const v of ["dome", "all"]) document.getElementById("v-" + v).onclick = () => {
    S.view = v; S.zoom = 1; S.panX = S.panY = 0;
    if (v === "all") S.ra0 = ((lst(S.t) * R2D) % 360 + 360) % 360;  // the meridian in the middle
    setButtons(); draw();
  };
  for (const s of ["real", "made", "both"]) document.getElementById("s-" + s).onclick = () => {
    S.set = s; S.sel = null; setButtons(); select(null);
  };
  document.getElementById("lines").onchange = (e) => { S.lines = e.target.checked; draw(); };
  document.getElementById("names").onchange = (e) => { S.names = e.target.checked; draw(); };
  let drag = null;
  cv.addEventListener("pointerdown", (e) => { drag = {x: e.clientX, y: e.clientY, moved: false}; cv.setPointerCapture(e.pointerId); });
  cv.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 2) drag.moved = true;
    if (S.view === "all") S.ra0 = ((S.ra0 + dx / (allScale() * 2 * Math.SQRT2) * 90) % 360 + 360) % 360;
    else S.panX += dx;
    S.panY += dy; drag.x = e.clientX; drag.y = e.clientY; draw();
  });
  cv.addEventListener("pointerup", (e) => {
    if (drag && !drag.moved) pick(e.clientX, e.clientY);
    drag = null;
  });
  cv.addEventListener("wheel", (e) => {
    e.preventDefault();
    const f = Math.exp(-e.deltaY / 500), z = Math.min(30, Math.max(0.5, S.zoom * f)), g = z / S.zoom;
    const cx = W / 2 + S.panX, cy = (H - 60) / 2 + S.panY;  // keep the point under the cursor fixed
    S.panX += (e.clientX - cx) * (1 - g); S.panY += (e.clientY - cy) * (1 - g); S.zoom = z; draw();
  }, {passive: false});
  function pick(x, y) {
    let best = null, bd = 100;
    for (const k of activeSets()) {
      const tab = sets[k];
      for (let i = 0; i < tab.ra.length; i++) {
        if (!tab.on[i]) continue;
        const d = (tab.sx[i] - x) ** 2 + (tab.sy[i] - y) ** 2;
        if (d < bd) { bd = d; best = [k, i]; }
      }
    }
    select(best ? best[0] : null, best ? best[1] : 0);
  }
  window.addEventListener("resize", () => { resize(); draw(); });

  // ---- the page's interface (used by tests and by anyone at the console) -------------------------
  window.starmaker = {
    payload: P,
    setTime(ms) { S.t = Math.min(Math.max(ms, N.t0_ms), T_END); timeEl.value = Math.round((S.t - N.t0_ms) / 60000); draw(); return S.t; },
    time() { return S.t; },
    setEpoch(years) { epochEl.value = years; setEpoch(years); },
    setSet(s) { document.getElementById("s-" + s).click(); },
    setView(v) { document.getElementById("v-" + (v === "dome" ? "dome" : "all")).click(); },
    drawnCount(set) { update(); return set ? countVisible(set) : activeSets().reduce((a, k) => a + countVisible(k), 0); },
    starIndex(hip) { return hipIndex.has(hip) ? hipIndex.get(hip) : -1; },
    altaz(hip) {  // apparent, refracted alt/az (deg) of a Hipparcos star at the slider's time
      const i = hipIndex.get(hip);
      if (i === undefined) return null;
      const r = horizontal(sets.real.cra[i], sets.real.cdec[i], lst(S.t));
      return {alt: r[0], az: r[1]};
    },
    gmstDeg: gmstDeg,
    limitAt(alt, az) { return limitAt(alt, az, S.t); },
    wishShown() { return wishMark() !== null; },
    wishMark: wishMark,
    info(set, i) { return info(set, i); },
    select(set, i) { select(set, i); },
    redraw: draw,
  };
  resize(); setButtons();
  document.getElementById("title").textContent = P.title;
  draw();
})();
