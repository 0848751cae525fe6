import { h, seconds } from "./dom.js";

/** A meter of used against a budget, with the numbers in words beside it. */
export function meter(label, used, budget, format) {
  const share = budget > 0 ? Math.min(1, used / budget) : 0;
  return h("div", { class: "meter" },
    h("div", { class: "meter-label" }, h("span", {}, label),
      h("span", {}, budget > 0 ? `${format(used)} of ${format(budget)} (${(share * 100).toFixed(share < 0.01 ? 2 : 1)} %)` : format(used))),
    h("meter", { min: 0, max: budget > 0 ? budget : 1, value: budget > 0 ? Math.min(used, budget) : 0, "aria-label": label }));
}

/**
 * Horizontal bars, one per app, of this month's active time. Slipway meters monthly totals (no history), so this is
 * each app's share of the month so far; the meter above the chart sets the total against the plan.
 */
export function activeTimeBars(apps, width = 360) {
  const rows = apps.filter((a) => a.activeSeconds > 0).sort((a, b) => b.activeSeconds - a.activeSeconds).slice(0, 8);
  if (!rows.length) return h("p", { class: "muted" }, "No active time yet this month.");
  const max = Math.max(...rows.map((r) => r.activeSeconds));
  // Drawn at the width it is shown at (in CSS pixels), so that its text is the page's size on a phone too.
  const rowHeight = 22, labelWidth = Math.min(130, width * 0.35);
  const svg = h("svg:svg", { viewBox: `0 0 ${width} ${rows.length * rowHeight}`, class: "bars", role: "img",
    "aria-label": "Active time this month per app: " + rows.map((r) => `${r.name} ${seconds(r.activeSeconds)}`).join(", ") });
  rows.forEach((r, i) => {
    const y = i * rowHeight;
    const w = Math.max(2, (width - labelWidth - 60) * r.activeSeconds / max);
    svg.append(h("svg:text", { x: 0, y: y + 15, class: "bar-label" }, r.name.length > 14 ? r.name.slice(0, 13) + "…" : r.name),
      h("svg:rect", { x: labelWidth, y: y + 4, width: w, height: 14, rx: 3, class: "bar" }),
      h("svg:text", { x: labelWidth + w + 6, y: y + 15, class: "bar-value" }, seconds(r.activeSeconds)));
  });
  return svg;
}

/**
 * A line over time of a counter sampled while the page is open ([{t, v}]): Slipway keeps no history of use, so the
 * page keeps its own, from when it was opened.
 */
export function sparkline(samples, label, format) {
  const width = 300, height = 60, pad = 4;
  if (samples.length < 2) return h("p", { class: "muted small" }, "Collecting samples…");
  const svg = h("svg:svg", { viewBox: `0 0 ${width} ${height}`, class: "spark", role: "img",
    "aria-label": `${label}: ${format(samples[0].v)} when this page opened, ${format(samples[samples.length - 1].v)} now` });
  const t0 = samples[0].t, t1 = samples[samples.length - 1].t;
  const v0 = Math.min(...samples.map((s) => s.v)), v1 = Math.max(...samples.map((s) => s.v));
  const x = (t) => pad + (width - 2 * pad) * (t - t0) / Math.max(1, t1 - t0);
  const y = (v) => height - pad - (height - 2 * pad) * (v1 === v0 ? 0.5 : (v - v0) / (v1 - v0));
  const points = samples.map((s) => `${x(s.t).toFixed(1)},${y(s.v).toFixed(1)}`).join(" ");
  svg.append(h("svg:polyline", { points, class: "spark-line" }));
  return svg;
}
