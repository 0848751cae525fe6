import { api, ApiError } from "./api.js";
import { meter, sparkline } from "./charts.js";
import { badge, bytes, details, fill, h, say, seconds, when } from "./dom.js";
import { logView } from "./logs.js";

const POLL_MS = 3000;
const MAX_SAMPLES = 120;

/** One app's page; answers what stops its polls and log follow. */
export function appPage(main, id) {
  const path = `/api/containers/servers/${encodeURIComponent(id)}`;
  const heading = h("h1", { tabindex: "-1" }, "App");
  const status = h("span");
  const error = h("p", { class: "error", role: "alert" });
  const overview = h("div");
  const usage = h("div");
  const tools = h("div");
  const keys = h("div");
  const versions = h("div");
  const log = logView("App log");
  const samples = [];
  let app = null, plan = null, settingsShown = null, versionsShown = null;
  const settings = h("div");

  const followButton = h("button", { type: "button", class: "quiet", "aria-pressed": "true" }, "Pause");
  followButton.addEventListener("click", () => {
    if (log.following()) { log.stop(); followButton.textContent = "Follow"; followButton.setAttribute("aria-pressed", "false"); }
    else { log.follow(id); followButton.textContent = "Pause"; followButton.setAttribute("aria-pressed", "true"); }
  });
  const deleteDialog = confirmDelete(() => app, async () => {
    await api(path, { method: "DELETE" });
    say(`Deleted ${app.name}.`);
    location.hash = "#/";
  });

  const refresh = async () => {
    try {
      app = await api(path);
      error.textContent = "";
      samples.push({ t: Date.now(), active: app.usage.activeSeconds, requests: app.usage.requests });
      if (samples.length > MAX_SAMPLES) samples.shift();
      show();
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) { say(err.message); location.hash = "#/"; return; }
      if (err instanceof ApiError && err.status !== 401) error.textContent = err.message;
    }
  };
  const show = () => {
    heading.textContent = app.name;
    document.title = `${app.name} · Slipway`;
    fill(status, badge(app.status));
    // Parts with buttons are rebuilt only when what they show changed: a poll must not take the focus away.
    const overviewShown = JSON.stringify([app.endpoint, app.error, app.version, app.updatedAt, app.lastActiveAt, app.sleepAfter]);
    if (overview.dataset.shown !== overviewShown) {
      overview.dataset.shown = overviewShown;
      fill(overview, overviewOf(app));
    }
    fill(usage, usageOf(app, plan, samples));
    const toolsShown = JSON.stringify([app.mcp, app.usage.tools]);
    if (tools.dataset.shown !== toolsShown) {
      tools.dataset.shown = toolsShown;
      fill(tools, toolsOf(app));
    }
    // Reloaded whenever another version serves, from this page or elsewhere (the CLI's rollback, say).
    if (app.version !== versionsShown) {
      versionsShown = app.version;
      loadVersions();
    }
    // The form is rebuilt only when the settings change, so typing in it is never undone by a poll.
    const shown = JSON.stringify([app.envKeys, app.sleepAfter, app.private, app.internet, app.healthPath, app.alwaysOn, app.requestTimeout]);
    if (shown !== settingsShown) {
      settingsShown = shown;
      fill(settings, settingsForm(app, path, (updated) => { app = updated; settingsShown = null; show(); loadKeys(); }));
    }
  };
  const loadKeys = async () => fill(keys, await keysOf(app, path));
  const loadVersions = async () => fill(versions, await versionsOf(path, (updated) => { app = updated; show(); }, () => { versionsShown = null; }));

  fill(main,
    h("p", {}, h("a", { href: "#/" }, "← All apps")),
    h("div", { class: "title" }, heading, status),
    error,
    h("div", { class: "grid two" },
      section("Overview", overview),
      section("Usage this month", usage),
      section("Logs", h("div", { class: "row" }, followButton,
        h("button", { type: "button", class: "quiet", onclick: () => log.clear() }, "Clear view")), log.element, "wide"),
      section("Settings", settings),
      // One column beside the settings, which are the tallest.
      h("div", { class: "stack" },
        section("MCP tools", tools),
        section("API keys", keys),
        section("Versions", redeployForm(path, (updated) => { app = updated; show(); }), versions),
        section("Delete", h("p", {}, "Deleting stops the app and removes its code, versions, keys and logs."),
          h("button", { type: "button", class: "danger", onclick: () => deleteDialog.open() }, "Delete app…"), deleteDialog.element))));
  heading.focus();
  (async () => {
    await refresh();
    if (!app) return;
    api("/api/usage").then((u) => { plan = u; show(); }).catch(() => {});
    loadKeys();
    log.follow(id);
  })();
  const timer = setInterval(refresh, POLL_MS);
  return () => {
    clearInterval(timer);
    log.stop();
    document.title = "Slipway";
  };
}

function section(title, ...content) {
  const wide = content[content.length - 1] === "wide";
  if (wide) content.pop();
  const slug = title.toLowerCase().replace(/[^a-z]+/g, "-");
  return h("section", { class: wide ? "card wide" : "card", "aria-labelledby": `s-${slug}` },
    h("h2", { id: `s-${slug}` }, title), ...content);
}

function overviewOf(app) {
  const copied = h("span", { class: "muted small", role: "status" });
  const copy = h("button", { type: "button", class: "quiet" }, "Copy");
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(app.endpoint);
      copied.textContent = "Copied.";
    } catch {
      copied.textContent = "Copying was refused: select the address instead.";
    }
  });
  return [
    h("div", { class: "endpoint-row" }, h("code", { class: "endpoint", id: "endpoint" }, app.endpoint), copy, copied),
    app.error ? h("p", { class: "error" }, `Failed: ${app.error}`) : null,
    details([["Runtime", app.runtime], ["Version", `v${app.version}`], ["Entry", app.entry],
      ["Requirements", app.requirements.join(" ") || "none"], ["Created", when(app.createdAt)], ["Updated", when(app.updatedAt)],
      ["Last active", when(app.lastActiveAt)], ["Sleeps after", app.sleepAfter], ["Transport", app.transport]]),
  ];
}

function usageOf(app, plan, samples) {
  const u = app.usage;
  const budget = plan?.limits?.activeSecondsPerMonth ?? 0;
  return [
    meter("Active time", u.activeSeconds, budget, seconds),
    details([["Requests", u.requests], ["In", bytes(u.bytesIn)], ["Out", bytes(u.bytesOut)]]),
    h("h3", {}, "Requests while this page is open"),
    sparkline(samples.map((s) => ({ t: s.t, v: s.requests })), "Requests", String),
    h("p", { class: "muted small" }, "Slipway keeps this month's totals, not their history: the line shows what this page saw since it opened."),
  ];
}

function toolsOf(app) {
  if (!app.mcp) return h("p", { class: "muted" }, "Slipway found no MCP server in this app.");
  const stats = app.usage.tools || {};
  return [
    h("p", {}, `${app.mcp.serverInfo?.name ?? "MCP server"} ${app.mcp.serverInfo?.version ?? ""} at `, h("code", {}, app.mcp.path),
      `, protocol ${app.mcp.protocolVersion ?? "unknown"}`),
    app.mcp.tools.length ? h("ul", { class: "tools" }, app.mcp.tools.map((t) => h("li", {}, h("code", {}, t.name),
      t.description ? ` — ${t.description}` : "",
      stats[t.name] ? h("span", { class: "muted small" }, ` (${stats[t.name].calls} calls, ${stats[t.name].errors} errors)`) : null)))
      : h("p", { class: "muted" }, "It serves no tools."),
  ];
}

/** The settings form: only what changed is sent, as a JSON merge patch. */
function settingsForm(app, path, saved) {
  const rows = app.envKeys.map((key) => {
    const value = h("input", { id: `env-${key}`, name: `env-${key}`, type: "password", autocomplete: "off", placeholder: "unchanged" });
    const remove = h("input", { id: `env-remove-${key}`, type: "checkbox" });
    return { key, value, remove, el: h("div", { class: "env-row" },
      h("label", { for: `env-${key}` }, h("code", {}, key)), value,
      h("span", { class: "check" }, remove, h("label", { for: `env-remove-${key}` }, "remove"))) };
  });
  const newName = h("input", { id: "env-new-name", name: "env-new-name", autocomplete: "off", placeholder: "NAME", spellcheck: "false" });
  const newValue = h("input", { id: "env-new-value", name: "env-new-value", autocomplete: "off" });
  const sleepAfter = h("input", { id: "set-sleep", name: "sleepAfter", value: app.sleepAfter, autocomplete: "off" });
  const healthPath = h("input", { id: "set-health", name: "healthPath", value: app.healthPath, autocomplete: "off" });
  const isPrivate = h("input", { id: "set-private", name: "private", type: "checkbox", checked: app.private });
  const internet = h("input", { id: "set-internet", name: "internet", type: "checkbox", checked: app.internet });
  const requestTimeout = h("input", { id: "set-timeout", name: "requestTimeout", value: app.requestTimeout || "", placeholder: "none", autocomplete: "off" });
  const alwaysOn = h("input", { id: "set-always-on", name: "alwaysOn", type: "checkbox", checked: app.alwaysOn });
  const result = h("p", { role: "status" });
  const save = h("button", { type: "submit" }, "Save settings");
  const form = h("form", { class: "settings" },
    h("fieldset", {}, h("legend", {}, "Environment"),
      rows.length ? rows.map((r) => r.el) : h("p", { class: "muted small" }, "No variables yet."),
      h("div", { class: "env-new" },
        h("span", {}, h("label", { for: "env-new-name" }, "New or changed variable"), newName),
        h("span", {}, h("label", { for: "env-new-value" }, "Value"), newValue)),
      h("p", { class: "muted small" }, "Values are secrets: Slipway never shows them again.")),
    h("label", { for: "set-sleep" }, "Sleep after"), sleepAfter,
    h("label", { for: "set-health" }, "Health path"), healthPath,
    h("label", { for: "set-timeout" }, "Request timeout"), requestTimeout,
    h("div", { class: "check" }, isPrivate, h("label", { for: "set-private" }, "Private")),
    h("div", { class: "check" }, internet, h("label", { for: "set-internet" }, "Internet access")),
    h("div", { class: "check" }, alwaysOn, h("label", { for: "set-always-on" }, "Always on (never sleeps; if your plan allows)")),
    save, result);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const patch = {};
    const env = {};
    rows.forEach((r) => {
      if (r.remove.checked) env[r.key] = null;
      else if (r.value.value) env[r.key] = r.value.value;
    });
    if (newName.value.trim()) env[newName.value.trim()] = newValue.value;
    if (Object.keys(env).length) patch.env = env;
    if (sleepAfter.value.trim() !== app.sleepAfter) patch.sleepAfter = sleepAfter.value.trim();
    if (healthPath.value.trim() !== app.healthPath) patch.healthPath = healthPath.value.trim();
    if (isPrivate.checked !== app.private) patch.private = isPrivate.checked;
    if (internet.checked !== app.internet) patch.internet = internet.checked;
    if (alwaysOn.checked !== app.alwaysOn) patch.alwaysOn = alwaysOn.checked;
    if (requestTimeout.value.trim() !== (app.requestTimeout || "")) patch.requestTimeout = requestTimeout.value.trim() || null;
    if (!Object.keys(patch).length) { result.textContent = "Nothing changed."; return; }
    save.disabled = true;
    result.className = "";
    result.textContent = patch.env || "internet" in patch || patch.healthPath ? "Saving: the app restarts with them…" : "Saving…";
    try {
      const updated = await api(path, { method: "PATCH", json: patch });
      say(`Saved the settings of ${updated.name}.`);
      saved(updated);
    } catch (err) {
      result.className = "error";
      result.textContent = err instanceof ApiError ? err.message : String(err);
      save.disabled = false;
    }
  });
  return form;
}

async function keysOf(app, path) {
  if (!app.private) return h("p", { class: "muted" }, "Keys are for private apps: make this one private in its settings to call it with keys.");
  const shown = h("div", { role: "status" });
  const name = h("input", { id: "key-name", name: "key-name", autocomplete: "off", placeholder: "ci" });
  const list = h("ul", { class: "keys" });
  const load = async () => {
    try {
      const { keys } = await api(`${path}/keys`);
      fill(list, keys.length ? keys.map((k) => h("li", {}, h("span", {}, k.name ?? "(no name)", " ", h("span", { class: "muted small" },
        new Date(k.createdAt).toLocaleDateString())), h("button", { type: "button", class: "quiet", "aria-label": `Revoke key ${k.name ?? k.id}`,
        onclick: async () => {
          if (!confirm(`Revoke the key ${k.name ?? k.id}? Clients using it are refused at once.`)) return;
          await api(`${path}/keys/${encodeURIComponent(k.id)}`, { method: "DELETE" }).catch((err) => { shown.textContent = err.message; });
          load();
        } }, "Revoke"))) : h("li", { class: "muted" }, "No keys yet."));
    } catch (err) {
      shown.textContent = err.message;
    }
  };
  const form = h("form", { class: "row" }, h("label", { for: "key-name" }, "Key name"), name, h("button", { type: "submit" }, "Create key"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const created = await api(`${path}/keys`, { method: "POST", json: name.value.trim() ? { name: name.value.trim() } : {} });
      fill(shown, h("p", {}, "The new key, shown only now: "), h("code", { class: "secret" }, created.key));
      name.value = "";
      load();
    } catch (err) {
      shown.textContent = err.message;
    }
  });
  await load();
  return [form, shown, list];
}

/** New code under the same id and endpoint (PUT): it answers once the new version serves; the page's log shows its build. */
function redeployForm(path, deployed) {
  const file = h("input", { id: "redeploy-file", name: "file", type: "file", accept: ".js,.mjs,.ts,.py", required: true });
  const button = h("button", { type: "submit" }, "Deploy new version");
  const result = h("p", { role: "status" });
  const form = h("form", { class: "redeploy" }, h("label", { for: "redeploy-file" }, "New code"), file, button, result);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!file.files.length) { result.textContent = "Choose a file first."; return; }
    const data = new FormData();
    data.append("file", file.files[0]);
    button.disabled = true;
    result.className = "";
    result.textContent = `Building ${file.files[0].name}: its log is below…`;
    try {
      const updated = await api(path, { method: "PUT", form: data });
      result.textContent = `Deployed version ${updated.version}.`;
      form.reset();
      deployed(updated);
    } catch (err) {
      result.className = "error";
      result.textContent = err instanceof ApiError ? err.message : String(err);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

/** The kept versions, each but the serving one with a button that activates it; failed() lets the next poll try again. */
async function versionsOf(path, activated, failed) {
  try {
    const { versions } = await api(`${path}/versions`);
    return h("ul", { class: "versions" }, versions.map((v) => h("li", {},
      h("span", {}, h("strong", {}, `v${v.version}`), ` ${v.entry} · `, when(v.createdAt)),
      v.active ? h("span", { class: "badge" }, "serving") : h("button", { type: "button", class: "quiet",
        onclick: async (e) => {
          e.target.disabled = true;
          try {
            activated(await api(`${path}/versions/${v.version}/activate`, { method: "POST" }));
            say(`Version ${v.version} is serving.`);
          } catch (err) {
            say(err.message);
            e.target.disabled = false;
          }
        } }, `Activate v${v.version}`))));
  } catch (err) {
    failed();
    return h("p", { class: "error" }, err.message);
  }
}

/** A modal dialog that asks before deleting: Escape or Cancel keeps the app. */
function confirmDelete(app, remove) {
  const message = h("p");
  const problem = h("p", { class: "error", role: "alert" });
  const yes = h("button", { type: "button", class: "danger" }, "Delete");
  const no = h("button", { type: "button", class: "quiet" }, "Cancel");
  const dialog = h("dialog", { "aria-labelledby": "delete-title" }, h("h2", { id: "delete-title" }, "Delete this app?"), message, problem,
    h("div", { class: "row" }, no, yes));
  no.addEventListener("click", () => dialog.close());
  yes.addEventListener("click", async () => {
    yes.disabled = true;
    try {
      await remove();
      dialog.close();
    } catch (err) {
      problem.textContent = err.message;
    } finally {
      yes.disabled = false;
    }
  });
  return {
    element: dialog,
    open() {
      message.textContent = `${app().name} stops, and its code, versions, keys and logs are removed. This cannot be undone.`;
      problem.textContent = "";
      dialog.showModal();
      no.focus();
    },
  };
}
