// Building DOM without innerHTML: text from the API (names, log lines, problem details) is never parsed as HTML.

/** h("a", {href: "#/"}, "text", child…): attributes starting with "on" become listeners, null/false ones are left out. */
export function h(tag, attrs = {}, ...children) {
  const svg = tag.startsWith("svg:");
  const el = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4)) : document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "text") el.textContent = value;
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces every child of el. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function seconds(value) {
  const s = Number(value) || 0;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  if (s < 3600) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

export function bytes(value) {
  const n = Number(value) || 0;
  const units = ["B", "KiB", "MiB", "GiB"];
  let i = 0, v = n;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function when(iso) {
  if (!iso) return "never";
  const date = new Date(iso);
  return h("time", { datetime: iso, title: iso }, date.toLocaleString());
}

/** A status badge: the word is always there, the colour only repeats it. */
export function badge(status) {
  return h("span", { class: `badge status-${status}`, "data-status": status }, status);
}

/** A definition list from [term, description] pairs, skipping empty descriptions. */
export function details(pairs) {
  return h("dl", { class: "facts" }, pairs.filter(([, d]) => d !== null && d !== undefined && d !== "")
    .map(([t, d]) => [h("dt", {}, t), h("dd", {}, d)]));
}

/** A message in the page's status line, which screen readers announce. */
export function say(message) {
  document.getElementById("flash").textContent = message;
}
