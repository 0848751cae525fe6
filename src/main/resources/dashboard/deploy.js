import { api, ApiError } from "./api.js";
import { fill, h, say } from "./dom.js";
import { logView } from "./logs.js";

/** "KEY=value" lines (blank lines and # comments skipped) as the upload's env object; throws on a line without "=". */
export function parseEnv(text) {
  const env = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith("#")) return;
    const eq = line.indexOf("=");
    if (eq <= 0) throw new Error(`environment line ${i + 1} is not NAME=value`);
    env[line.slice(0, eq).trim()] = line.slice(eq + 1);
  });
  return env;
}

/**
 * The deploy form: a file by picker or drag and drop, with its settings. The upload answers only once the app runs,
 * so while it is in flight the form looks for the new app in the list (it appears as "building") and follows its log.
 */
export function deployForm({ knownIds, deployed }) {
  const file = h("input", { id: "deploy-file", name: "file", type: "file", accept: ".js,.mjs,.ts,.py", required: true,
    "aria-describedby": "deploy-file-help" });
  const chosen = h("span", { class: "chosen", id: "deploy-file-help" }, "One .js, .mjs, .ts or .py file, at most 1 MiB.");
  const drop = h("div", { class: "drop" },
    h("label", { for: "deploy-file" }, "Source file"), file,
    h("p", { class: "muted small" }, "Choose a file, or drop one here."), chosen);
  const name = h("input", { id: "deploy-name", name: "name", autocomplete: "off", pattern: "[a-z0-9\\-]{1,63}",
    placeholder: "the file's name", "aria-describedby": "deploy-name-help" });
  const requirements = h("input", { id: "deploy-requirements", name: "requirements", autocomplete: "off",
    placeholder: "express cors", "aria-describedby": "deploy-requirements-help" });
  const env = h("textarea", { id: "deploy-env", name: "env", rows: "3", placeholder: "API_URL=https://example.com",
    spellcheck: "false" });
  const sleepAfter = h("input", { id: "deploy-sleep", name: "sleepAfter", autocomplete: "off", placeholder: "10m" });
  const isPrivate = h("input", { id: "deploy-private", name: "private", type: "checkbox" });
  const submit = h("button", { type: "submit" }, "Deploy");
  const status = h("p", { class: "deploy-status", role: "status" });
  const log = logView("Build log");
  const panel = h("div", { class: "build-panel", hidden: true }, h("h3", {}, "Build"), status, log.element);
  const form = h("form", { class: "deploy" },
    drop,
    h("label", { for: "deploy-name" }, "Name"), name,
    h("p", { id: "deploy-name-help", class: "muted small" }, "Lowercase letters, digits and -; by default the file's base name."),
    h("label", { for: "deploy-requirements" }, "Requirements"), requirements,
    h("p", { id: "deploy-requirements-help", class: "muted small" }, "npm or PyPI packages, separated by spaces or commas."),
    h("details", {}, h("summary", {}, "More settings"),
      h("label", { for: "deploy-env" }, "Environment (NAME=value, one a line)"), env,
      h("label", { for: "deploy-sleep" }, "Sleep after"), sleepAfter,
      h("div", { class: "check" }, isPrivate, h("label", { for: "deploy-private" }, "Private: only your token or the app's keys may call it"))),
    submit);
  const section = h("section", { class: "card", "aria-labelledby": "deploy-title" },
    h("h2", { id: "deploy-title" }, "Deploy a file"), form, panel);

  const showChosen = () => { chosen.textContent = file.files.length ? `Chosen: ${file.files[0].name}` : ""; };
  file.addEventListener("change", showChosen);
  for (const type of ["dragenter", "dragover"]) {
    drop.addEventListener(type, (e) => { e.preventDefault(); drop.classList.add("over"); });
  }
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    if (e.dataTransfer.files.length) {
      file.files = e.dataTransfer.files;
      showChosen();
    }
  });

  let finding = null;
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!file.files.length) { status.textContent = "Choose a file first."; panel.hidden = false; return; }
    const data = new FormData();
    data.append("file", file.files[0]);
    try {
      const vars = parseEnv(env.value);
      if (Object.keys(vars).length) data.append("env", JSON.stringify(vars));
    } catch (err) {
      panel.hidden = false;
      status.textContent = err.message;
      return;
    }
    if (name.value.trim()) data.append("name", name.value.trim());
    if (requirements.value.trim()) data.append("requirements", requirements.value.trim());
    if (sleepAfter.value.trim()) data.append("sleepAfter", sleepAfter.value.trim());
    if (isPrivate.checked) data.append("private", "true");
    const before = new Set(knownIds());
    submit.disabled = true;
    panel.hidden = false;
    log.clear();
    status.className = "deploy-status";
    status.textContent = `Uploading ${file.files[0].name}…`;
    let following = null;
    finding = findNewApp(before, (app) => {
      status.textContent = `Building ${app.name}…`;
      following = app.id;
      log.follow(app.id);
      deployed();
    });
    try {
      const app = await api("/api/containers/upload", { method: "POST", form: data });
      // A quick build may be done before the list showed it: its log still starts with the build.
      if (following !== app.id) log.follow(app.id);
      fill(status, `${app.name} is running at `, h("code", {}, app.endpoint), ". ",
        h("a", { href: `#/apps/${encodeURIComponent(app.id)}` }, `Open ${app.name}`));
      say(`Deployed ${app.name}.`);
      form.reset();
      showChosen();
    } catch (err) {
      status.className = "deploy-status error";
      status.textContent = err instanceof ApiError ? err.message : String(err);
      if (err.problem?.logTail) log.add(err.problem.logTail, "notice");
    } finally {
      finding.abort();
      submit.disabled = false;
      deployed();
    }
  });
  return { element: section, stop: () => { finding?.abort(); log.stop(); } };
}

/** Polls the list until an app not in before appears; calls found(app) once. Answers an AbortController. */
function findNewApp(before, found) {
  const controller = new AbortController();
  const look = async () => {
    if (controller.signal.aborted) return;
    try {
      const { projects } = await api("/api/mcp-projects", { signal: controller.signal });
      const app = projects.find((p) => !before.has(p.id));
      if (app) { controller.abort(); found(app); return; }
    } catch {
      if (controller.signal.aborted) return;
    }
    setTimeout(look, 500);
  };
  look();
  return controller;
}
