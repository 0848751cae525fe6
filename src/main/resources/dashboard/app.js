import { api, ApiError, subject, token, whenUnauthorized } from "./api.js";
import { activeTimeBars, meter } from "./charts.js";
import { deployForm } from "./deploy.js";
import { appPage } from "./app-page.js";
import { badge, fill, h, say, seconds } from "./dom.js";

const main = document.getElementById("main");
const POLL_MS = 3000;

/** What the current view stops when another replaces it (its polls and log follows). */
let leave = () => {};

function signOut(detail) {
  token.clear();
  leave();
  render(detail);
}

whenUnauthorized((detail) => signOut(`Signed out: ${detail}`));
document.getElementById("sign-out").addEventListener("click", () => signOut("Signed out."));
window.addEventListener("hashchange", () => render());
// The skip link moves focus without touching the hash, which names the view.
document.querySelector(".skip").addEventListener("click", (e) => {
  e.preventDefault();
  main.focus();
});
render();

function render(notice) {
  leave();
  leave = () => {};
  const signedIn = token.get() !== null;
  document.getElementById("sign-out").hidden = !signedIn;
  document.getElementById("who").textContent = signedIn ? `Signed in as ${subject(token.get()) ?? "(unknown user)"}` : "";
  if (!signedIn) {
    signIn(notice);
    return;
  }
  const route = location.hash.match(/^#\/apps\/([^/]+)$/);
  leave = route ? appPage(main, decodeURIComponent(route[1])) : appsPage();
}

function signIn(notice) {
  const error = h("p", { class: "error", id: "sign-in-error", role: "alert" }, notice ?? "");
  const input = h("input", { id: "token", name: "token", type: "password", autocomplete: "off", spellcheck: "false", required: true,
    "aria-describedby": "token-help sign-in-error" });
  const button = h("button", { type: "submit" }, "Sign in");
  const form = h("form", { class: "card narrow", "aria-labelledby": "sign-in-title" },
    h("h1", { id: "sign-in-title", tabindex: "-1" }, "Sign in"),
    h("label", { for: "token" }, "Token"), input,
    h("p", { id: "token-help", class: "muted" }, "A token from ", h("code", {}, "./slipway token --user NAME"),
      " or your identity provider. It is kept in this tab only (sessionStorage) until you sign out or close it."),
    button, error);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const value = input.value.trim();
    button.disabled = true;
    error.textContent = "";
    try {
      await api("/api/mcp-projects", { as: value });
      token.set(value);
      say("");
      render();
    } catch (err) {
      error.textContent = err instanceof ApiError ? err.message : String(err);
      input.focus();
    } finally {
      button.disabled = false;
    }
  });
  fill(main, form);
  input.focus();
}

function appsPage() {
  const list = h("ul", { class: "apps", "aria-labelledby": "apps-title" });
  const listError = h("p", { class: "error", role: "alert" });
  const usage = h("div", { class: "usage" }, h("p", { class: "muted" }, "Loading…"));
  const rows = new Map();
  let known = [];
  const refresh = async () => {
    try {
      const { projects } = await api("/api/mcp-projects");
      known = projects;
      listError.textContent = "";
      showApps(list, rows, projects);
    } catch (err) {
      if (err instanceof ApiError && err.status !== 401) listError.textContent = err.message;
    }
  };
  let lastUsage = null;
  const redraw = () => { if (lastUsage) showUsage(usage, lastUsage); };
  const refreshUsage = async () => {
    try {
      lastUsage = await api("/api/usage");
      redraw();
    } catch (err) {
      if (err instanceof ApiError && err.status !== 401) fill(usage, h("p", { class: "error" }, err.message));
    }
  };
  const deploy = deployForm({ knownIds: () => known.map((p) => p.id), deployed: () => { refresh(); refreshUsage(); } });
  fill(main,
    h("h1", { class: "visually-hidden", tabindex: "-1" }, "Your apps"),
    h("div", { class: "grid two" },
      h("section", { class: "card wide", "aria-labelledby": "apps-title" },
        h("h2", { id: "apps-title" }, "Apps"), listError, list),
      deploy.element,
      h("section", { class: "card", "aria-labelledby": "usage-title" }, h("h2", { id: "usage-title" }, "Usage this month"), usage)));
  refresh();
  refreshUsage();
  const timers = [setInterval(refresh, POLL_MS), setInterval(refreshUsage, POLL_MS * 3)];
  window.addEventListener("resize", redraw);
  return () => {
    timers.forEach(clearInterval);
    window.removeEventListener("resize", redraw);
    deploy.stop();
  };
}

/** Updates the list in place, so that focus and scroll stay where they are while statuses change. */
function showApps(list, rows, projects) {
  if (!projects.length) {
    rows.clear();
    fill(list, h("li", { class: "empty" }, "No apps yet: deploy a file below."));
    return;
  }
  list.querySelector(".empty")?.remove();
  const seen = new Set();
  projects.forEach((p, i) => {
    seen.add(p.id);
    let row = rows.get(p.id);
    if (!row) {
      row = { li: h("li", { class: "app", "data-id": p.id }) };
      rows.set(p.id, row);
    }
    const signature = JSON.stringify([p.name, p.status, p.runtime, p.version, p.endpoint, p.usage?.activeSeconds, p.private]);
    if (row.signature !== signature) {
      row.signature = signature;
      fill(row.li,
        h("div", { class: "app-head" }, h("a", { href: `#/apps/${encodeURIComponent(p.id)}`, class: "app-name" }, p.name), badge(p.status)),
        h("div", { class: "app-meta" }, `${p.runtime} · v${p.version}${p.private ? " · private" : ""}${p.mcp ? " · MCP" : ""}`,
          ` · active ${seconds(p.usage?.activeSeconds)}`),
        h("code", { class: "endpoint" }, p.endpoint));
    }
    if (list.children[i] !== row.li) list.insertBefore(row.li, list.children[i] ?? null);
  });
  for (const [id, row] of rows) {
    if (!seen.has(id)) {
      row.li.remove();
      rows.delete(id);
    }
  }
}

function showUsage(el, usage) {
  const { limits, total } = usage;
  const parts = [
    h("p", {}, "Plan ", h("strong", {}, usage.plan), ` · ${total.apps} of ${limits.apps} apps · ${limits.memory} memory, ${limits.cpus} CPU each`),
    meter("Active time", total.activeSeconds, limits.activeSecondsPerMonth, seconds),
  ];
  if (limits.toolCallsPerMonth !== null) parts.push(meter("MCP tool calls", total.toolCalls, limits.toolCallsPerMonth, String));
  parts.push(h("h3", {}, "Active time per app"), activeTimeBars(usage.apps, Math.max(240, el.clientWidth || 360)),
    h("p", { class: "muted small" }, `Totals for ${usage.month}, metered in 10 ms steps while an app runs. `
      + `${total.requests} requests, ${total.toolCalls} tool calls in all.`));
  fill(el, parts);
}
