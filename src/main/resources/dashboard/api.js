// The JSON API, called with the token the person signed in with. The token is kept in sessionStorage: this tab only,
// gone when it closes, and sent only in the Authorization header (no cookie, so no request of another site carries it).
const KEY = "slipway.token";

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (value) => sessionStorage.setItem(KEY, value),
  clear: () => sessionStorage.removeItem(KEY),
};

/** An API answer that is not a success: its RFC 9457 problem, whose detail says what was wrong. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `the server answered ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

/** Called when a token stops being accepted (it expired, say): the app signs out. */
let onUnauthorized = () => {};
export function whenUnauthorized(callback) { onUnauthorized = callback; }

/**
 * Calls the API. json: a body sent as JSON (merge patch for PATCH); form: a FormData; as: another token (to check one
 * before keeping it). Answers the parsed JSON, or null for 204; throws ApiError with the problem otherwise.
 */
export async function api(path, { method = "GET", json, form, signal, as } = {}) {
  const headers = { Authorization: `Bearer ${as ?? token.get()}`, Accept: "application/json" };
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = method === "PATCH" ? "application/merge-patch+json" : "application/json";
    body = JSON.stringify(json);
  } else if (form) {
    body = form;
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body, signal, cache: "no-store" });
  } catch (e) {
    if (e.name === "AbortError") throw e;
    throw new ApiError(0, { detail: `Slipway could not be reached (${e.message})` });
  }
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json() : { detail: await response.text() };
  if (!response.ok) {
    if (response.status === 401 && as === undefined) onUnauthorized(data.detail);
    throw new ApiError(response.status, data);
  }
  return data;
}

const pause = (ms, signal) => new Promise((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
});

/**
 * Follows an app's log until signal aborts or the app is deleted. EventSource cannot send an Authorization header, so
 * this reads the event stream with fetch and parses it as the WHATWG spec says; after a cut it reconnects with
 * Last-Event-ID, which resumes exactly after the last line seen. on.line(text), on.notice(text), on.problem(detail).
 */
export async function followLog(id, signal, on) {
  let lastId = null;
  while (!signal.aborted) {
    let wait = 1000;
    try {
      const headers = { Authorization: `Bearer ${token.get()}`, Accept: "text/event-stream" };
      if (lastId) headers["Last-Event-ID"] = lastId;
      const response = await fetch(`/api/containers/servers/${encodeURIComponent(id)}/logs?follow=true`,
        { headers, signal, cache: "no-store" });
      if (!response.ok) {
        const problem = await response.json().catch(() => ({}));
        on.problem(problem.detail || `the log answered ${response.status}`);
        if (response.status === 404 || response.status === 401) return;
        wait = 1000 * (Number(response.headers.get("Retry-After")) || 5);
      } else {
        const ended = await readEvents(response.body, (event) => {
          if (event.id !== null) lastId = event.id;
          if (event.type === "message") on.line(event.data);
          else on.notice(event.data);
        });
        if (ended) return;
      }
    } catch (e) {
      if (signal.aborted) return;
    }
    await pause(wait, signal);
  }
}

/** Parses text/event-stream from body into events; true when the stream said "end" (the app was deleted). */
async function readEvents(body, dispatch) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "", ended = false;
  let event = { type: "message", data: [], id: null };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return ended;
    buffer += value;
    let end;
    while ((end = buffer.search(/[\r\n]/)) >= 0) {
      // A CR at the very end may be the first half of a CRLF still on its way.
      if (buffer[end] === "\r" && end === buffer.length - 1) break;
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + (buffer.startsWith("\r\n", end) ? 2 : 1));
      if (line === "") {
        if (event.data.length) {
          if (event.type === "end") ended = true;
          dispatch({ type: event.type, data: event.data.join("\n"), id: event.id });
        }
        event = { type: "message", data: [], id: null };
      } else if (!line.startsWith(":")) {
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let text = colon < 0 ? "" : line.slice(colon + 1);
        if (text.startsWith(" ")) text = text.slice(1);
        if (field === "data") event.data.push(text);
        else if (field === "event") event.type = text;
        else if (field === "id") event.id = text;
      }
    }
  }
}

/** The user a token names (its JWT "sub"), for the header only: the server checks the token, the page does not. */
export function subject(jwt) {
  try {
    const payload = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(payload)).sub ?? null;
  } catch {
    return null;
  }
}
