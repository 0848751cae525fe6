import { followLog } from "./api.js";
import { h } from "./dom.js";

const MAX_LINES = 2000;

/**
 * A log view that follows an app's log: lines are appended as they come, and the view keeps to the bottom unless the
 * person scrolled up to read. Returns {element, follow(id), stop()}.
 */
export function logView(label) {
  const pre = h("pre", { class: "log", role: "log", "aria-label": label, tabindex: "0" });
  let controller = null;
  // Kept to the bottom until the person scrolls up, and again once they scroll back down; also when the view reflows.
  // A reflow makes the content taller under the same scrollTop, which is no sign of the person: only scrolling up is.
  let stick = true, lastTop = 0;
  const toBottom = () => { if (stick) pre.scrollTop = pre.scrollHeight; lastTop = pre.scrollTop; };
  pre.addEventListener("scroll", () => {
    if (pre.scrollHeight - pre.scrollTop - pre.clientHeight < 24) stick = true;
    else if (pre.scrollTop < lastTop) stick = false;
    lastTop = pre.scrollTop;
  });
  new ResizeObserver(toBottom).observe(pre);
  const add = (text, kind) => {
    // Each line starts with its UTC timestamp: the time of day is enough to read, the whole one is its title.
    const stamp = text.match(/^(\d{4}-\d\d-\d\dT(\d\d:\d\d:\d\d)[.\d]*Z) /);
    const line = stamp ? [h("time", { datetime: stamp[1], title: stamp[1] }, stamp[2]), text.slice(stamp[1].length)] : [text];
    pre.append(h("span", { class: kind ? `line ${kind}` : lineClass(text) }, ...line, "\n"));
    while (pre.childElementCount > MAX_LINES) pre.firstElementChild.remove();
    toBottom();
  };
  return {
    element: pre,
    follow(id) {
      this.stop();
      controller = new AbortController();
      followLog(id, controller.signal, {
        line: (text) => add(text),
        notice: (text) => add(text, "notice"),
        problem: (detail) => add(detail, "notice"),
      });
    },
    stop() {
      if (controller) controller.abort();
      controller = null;
    },
    following: () => controller !== null,
    clear: () => pre.replaceChildren(),
    add,
  };
}

function lineClass(text) {
  if (text.includes("[slipway]")) return "line slipway";
  if (text.includes("[build]")) return "line build";
  return "line";
}
