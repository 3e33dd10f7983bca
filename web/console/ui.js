// Building blocks of the console's pages.

import { ApiError, gql, idempotencyKey } from "./api.js";
import { sentence } from "./words.js";

/// `h("p", { class: "x" }, "text", child)`: an element; text is never parsed as HTML.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/// Replaces an element's children (skipping the absent ones, which
/// `replaceChildren` would write as "null").
export function fill(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

/// A refusal, shown as a sentence in an alert region.
export function problem(error, extra) {
  const text = error instanceof ApiError ? sentence(error.error) : sentence({ extensions: { code: "INTERNAL" } });
  return h("p", { class: "problem", role: "alert" }, text, extra ? ` ${extra}` : "");
}

/// A notice that something went well.
export function notice(text) {
  return h("p", { class: "notice", role: "status" }, text);
}

/// Who is signed in (null for a reader without a token).
export const session = { me: null };

let leaving = [];

/// Called by a page for what must stop when the user leaves it (live feeds).
export function onLeave(stop) {
  leaving.push(stop);
}

/// Stops what the page left running.
export function leave() {
  for (const stop of leaving) stop();
  leaving = [];
}

/// Orders a page's reloads: `const begin = reloads();` then, in a reload,
/// `const current = begin();` before reading and `if (!current()) return`
/// before drawing. A reload after a mutation and one after a live update may
/// overlap; the answer of one overtaken by a later reload is not drawn, so
/// an older answer never replaces a newer one.
export function reloads() {
  let last = 0;
  return () => {
    const mine = ++last;
    return () => mine === last;
  };
}

/// Goes to a path of the console without reloading.
export function navigate(href) {
  history.pushState(null, "", href);
  dispatchEvent(new PopStateEvent("popstate"));
}

/// "2027-09-13" → "13 September 2027".
export function day(iso) {
  if (!iso) return "—";
  const [y, m, d] = iso.slice(0, 10).split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
}

export function moment(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
}

export function today() {
  return new Date().toISOString().slice(0, 10);
}

export function table(caption, headers, rows, attrs = {}) {
  return h("table", attrs,
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, headers.map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: headers.length }, "None."))),
  );
}

/// Runs a mutation with a fresh idempotency key; says how it went in `status`.
export async function run(status, mutation, inputType, input, done, reload) {
  status.replaceChildren(h("p", { class: "working", role: "status" }, "Working…"));
  try {
    await gql(`mutation($input: ${inputType}!) { result: ${mutation}(input: $input) { __typename } }`,
      { input: { ...input, idempotencyKey: idempotencyKey() } });
    if (reload) await reload();
    status.replaceChildren(notice(done));
    return true;
  } catch (error) {
    if (reload && error instanceof ApiError && error.code === "CONFLICT") await reload().catch(() => {});
    status.replaceChildren(problem(error));
    return false;
  }
}
