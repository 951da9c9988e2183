// rekognito's console: the mailbox, each sign-in as a timeline, and what the stack holds, kept
// live by server-sent events (/_rekognito/api/events). Plain DOM, no build step: every value
// from the stack is set as text, never as HTML.

const view = document.getElementById("view");
const live = document.getElementById("live");
const announcer = document.getElementById("announce");

/** h("tag.class", { attr: value, onclick }, ...children): an element; strings become text. */
function h(spec, attrs = {}, ...children) {
  const [tag, ...classes] = spec.split(".");
  const el = document.createElement(tag || "div");
  if (classes.length) el.className = classes.join(" ");
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "style" && typeof v === "object") Object.assign(el.style, v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const api = async (path) => {
  const response = await fetch(path, { headers: { accept: "application/json" }, cache: "no-store" });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
};

const announce = (text) => {
  announcer.textContent = "";
  setTimeout(() => (announcer.textContent = text), 50);
};

const time = (ms) => new Date(ms).toLocaleTimeString([], { hour12: false }) + "." + String(new Date(ms).getMilliseconds()).padStart(3, "0");
const when = (iso) => new Date(iso).toLocaleString([], { hour12: false });

function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

function parse(detail) {
  if (detail === undefined) return undefined;
  try {
    return JSON.parse(detail);
  } catch {
    return detail;
  }
}

function outcomeBadge(outcome) {
  const kind = outcome === "signed in" || outcome === "ok" ? "ok" : outcome === "refused" || outcome === "failed" ? "bad" : "wait";
  return h(`span.badge.${kind}`, {}, outcome);
}

// ------------------------------------------------------------------ pages

let current = { onTrace() {}, onMail() {} };

const pages = [
  [/^\/_rekognito\/?$/, overview],
  [/^\/_rekognito\/mailbox$/, mailbox],
  [/^\/_rekognito\/traces$/, traces],
  [/^\/_rekognito\/traces\/([^/]+)$/, trace],
  [/^\/_rekognito\/resources$/, resources],
];

async function render() {
  const path = location.pathname;
  for (const a of document.querySelectorAll("nav a")) {
    const here = a.getAttribute("href") === path || (a.getAttribute("href") === "/_rekognito/traces" && path.startsWith("/_rekognito/traces/"));
    if (here) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  for (const [pattern, page] of pages) {
    const match = pattern.exec(path);
    if (!match) continue;
    current = { onTrace() {}, onMail() {} };
    try {
      current = (await page(...match.slice(1))) ?? current;
    } catch (error) {
      view.replaceChildren(h("h1", {}, "Something went wrong"), h("p", { role: "alert" }, String(error.message ?? error)));
    }
    return;
  }
  view.replaceChildren(h("h1", {}, "Not a console page"), h("p", {}, h("a", { href: "/_rekognito/" }, "Back to the console")));
}

function go(href) {
  history.pushState(null, "", href);
  render().then(() => view.focus());
}

document.addEventListener("click", (event) => {
  const a = event.target.closest?.("a");
  if (!a || a.target || event.ctrlKey || event.metaKey || event.shiftKey) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !url.pathname.startsWith("/_rekognito") || url.pathname.startsWith("/_rekognito/api/")) return;
  event.preventDefault();
  go(url.pathname + url.search);
});
window.addEventListener("popstate", () => render());

// --- overview

async function overview() {
  const about = await api("/_rekognito/api/about");
  const r = about.resources ?? {};
  view.replaceChildren(
    h("h1", {}, `rekognito ${about.version}`),
    h(
      "section.card",
      {},
      h("p", {}, "Endpoint ", h("code", {}, about.endpoint), " — point any AWS SDK at it with ", h("code", {}, `AWS_ENDPOINT_URL=${about.endpoint}`), "."),
      about.app
        ? h("p", {}, "The face-login app: ", h("a", { href: "/" }, about.app), ` (user pool ${r.userPoolId}, app client ${r.userPoolClientId}).`)
        : h("p", { class: "muted" }, "No face-login app is provisioned (started with --bare)."),
    ),
    h(
      "ul",
      {},
      h("li", {}, h("a", { href: "/_rekognito/mailbox" }, "Mailbox"), ": every message Cognito and SES would have sent, with its code."),
      h("li", {}, h("a", { href: "/_rekognito/traces" }, "Traces"), ": each sign-in as a timeline (triggers, their events and answers, the Rekognition calls and their scores), Lambda invocations with their logs, S3 events."),
      h("li", {}, h("a", { href: "/_rekognito/resources" }, "Resources"), ": collections and faces, user pools and users, buckets and objects, tables, functions."),
    ),
    await stackControls(),
  );
}

// --- the stack's control (server/control/: /_rekognito/reset, /snapshots, /clock, /seed)

const control = async (method, path, body) => {
  const response = await fetch(path, { method, headers: body === undefined ? {} : { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.message ?? `HTTP ${response.status}`);
  return answer;
};

const counted = (contents) =>
  [
    [contents?.["cognito-idp"]?.users, "user"],
    [contents?.rekognition?.faces, "face"],
    [contents?.s3?.objects, "object"],
    [contents?.["cognito-idp"]?.mailbox, "mail"],
  ]
    .filter(([n]) => typeof n === "number")
    .map(([n, what]) => `${n} ${what}${n === 1 ? "" : "s"}`)
    .join(", ");

async function stackControls() {
  const section = h("section.card", { "aria-labelledby": "stack-heading" });
  const status = h("p", { id: "stack-status", role: "status" });
  const done = (text) => {
    status.textContent = text;
    announce(text);
  };
  const act = (label, run) => async () => {
    done(`${label}…`);
    try {
      done(await run());
    } catch (error) {
      done(`${label} failed: ${error.message ?? error}`);
    }
    await draw(false);
  };
  async function draw(clear = true) {
    const [clock, listed] = await Promise.all([control("GET", "/_rekognito/clock"), control("GET", "/_rekognito/snapshots").catch(() => ({ snapshots: [] }))]);
    if (clear) status.textContent = "";
    const advance = (label, by) => h("button", { type: "button", onclick: act(`Advancing the clock ${label}`, async () => `The stack's time is ${when((await control("POST", "/_rekognito/clock", { advance: by })).now)}.`) }, `+ ${label}`);
    const name = h("input", { id: "snapshot-name", type: "text", value: "snapshot-1", pattern: "[A-Za-z0-9][A-Za-z0-9._-]*", required: true });
    section.replaceChildren(
      h("h2", { id: "stack-heading" }, "The stack"),
      h(
        "p",
        {},
        "Clock: ",
        h("strong", {}, when(clock.now)),
        ` (${clock.mode})`,
        ...(clock.controllable
          ? [" ", advance("5 minutes", "PT5M"), " ", advance("1 hour", "PT1H"), " ", advance("1 day", "P1D"), " ", h("button", { type: "button", onclick: act("Setting the clock", async () => `The stack's time is ${when((await control("POST", "/_rekognito/clock", { set: new Date().toISOString() })).now)}.`) }, "Back to now")]
          : [h("span.muted", {}, " — start rekognito with --clock manual or --clock offset to move it")]),
      ),
      h(
        "p",
        {},
        h(
          "button",
          {
            type: "button",
            onclick: (event) => {
              if (!confirm("Reset the stack to how it started? Users, faces, objects and mail made since are deleted.")) return;
              return act("Resetting", async () => {
                const reset = await control("POST", "/_rekognito/reset");
                return `Reset in ${reset.ms} ms. Cleared ${counted(reset.cleared) || "nothing"}; now ${counted(reset.now) || "empty"}.`;
              })(event);
            },
          },
          "Reset the stack",
        ),
        " ",
        h("button", { type: "button", onclick: act("Seeding the personas", async () => `Seeded: ${(await control("POST", "/_rekognito/seed", {})).seeded.map((s) => `${s.email} (${s.outcome})`).join(", ")}.`) }, "Seed the personas"),
      ),
      h(
        "form",
        {
          class: "filters",
          onsubmit: (event) => {
            event.preventDefault();
            return act("Saving a snapshot", async () => {
              const saved = await control("POST", `/_rekognito/snapshots/${encodeURIComponent(name.value)}`);
              return `Snapshot ${saved.name} saved: ${counted(saved.contents) || "an empty stack"}, ${Math.round(saved.bytes / 1024)} KB.`;
            })();
          },
        },
        h("label", {}, "Snapshot name", name),
        h("button", { type: "submit" }, "Save a snapshot"),
      ),
      listed.snapshots.length
        ? h(
            "table",
            {},
            h("thead", {}, h("tr", {}, h("th", {}, "Snapshot"), h("th", {}, "Taken"), h("th", {}, "Holds"), h("th", {}, "Size"), h("th", {}, ""))),
            h(
              "tbody",
              {},
              listed.snapshots.map((snapshot) =>
                h(
                  "tr",
                  {},
                  h("td", {}, snapshot.name),
                  h("td", {}, when(snapshot.createdAt)),
                  h("td", {}, counted(snapshot.contents) || "an empty stack"),
                  h("td", {}, `${Math.round(snapshot.bytes / 1024)} KB`),
                  h(
                    "td",
                    {},
                    h("button", { type: "button", onclick: act(`Restoring ${snapshot.name}`, async () => `Restored ${snapshot.name} in ${(await control("POST", `/_rekognito/snapshots/${encodeURIComponent(snapshot.name)}/restore`)).ms} ms.`) }, `Restore ${snapshot.name}`),
                    " ",
                    h("a", { href: `/_rekognito/snapshots/${encodeURIComponent(snapshot.name)}/export`, download: `${snapshot.name}.rekognito.json`, target: "_blank" }, "Export"),
                    " ",
                    h("button", { type: "button", onclick: act(`Deleting ${snapshot.name}`, async () => (await control("DELETE", `/_rekognito/snapshots/${encodeURIComponent(snapshot.name)}`), `Deleted ${snapshot.name}.`)) }, `Delete ${snapshot.name}`),
                  ),
                ),
              ),
            ),
          )
        : h("p", { class: "empty" }, "No snapshot yet."),
      status,
    );
  }
  await draw();
  return section;
}

// --- mailbox

async function mailbox() {
  const params = new URLSearchParams(location.search);
  const address = h("input", { id: "mail-address", type: "search", value: params.get("address") ?? "", placeholder: "someone@example.com" });
  const list = h("div", { id: "messages" });
  const load = async () => {
    const query = address.value.trim() ? `?address=${encodeURIComponent(address.value.trim())}` : "";
    const messages = (await api(`/_rekognito/mailbox${query}`)).slice().reverse();
    list.replaceChildren(
      ...(messages.length
        ? messages.map((m) =>
            h(
              "article.card.mail",
              { "aria-label": `Message to ${m.to}: ${m.subject}` },
              h(
                "header",
                {},
                m.code ? h("span.code", { "aria-label": `Code ${m.code.split("").join(" ")}` }, m.code) : null,
                h("div", {}, h("div", {}, h("strong", {}, m.subject)), h("div.muted", {}, `to ${m.to} · ${when(m.sentAt)} · ${m.reason}`)),
              ),
              h("details", {}, h("summary", {}, "Message"), h("pre", {}, m.body)),
            ),
          )
        : [h("p.empty", {}, "No messages yet. Sign up in the app: its code lands here.")]),
    );
  };
  address.addEventListener("input", debounce(load, 250));
  view.replaceChildren(
    h("h1", {}, "Mailbox"),
    h("p.muted", {}, "Newest first. Nothing leaves this machine: what Cognito and SES would have e-mailed lands here."),
    h("div.filters", {}, h("div", {}, h("label", { for: "mail-address" }, "Address"), address)),
    list,
  );
  await load();
  return {
    onTrace() {},
    onMail(mail) {
      announce(`New message to ${mail.to}${mail.code ? `, code ${mail.code}` : ""}.`);
      load();
    },
  };
}

// --- traces

async function traces() {
  const params = new URLSearchParams(location.search);
  const user = h("input", { id: "trace-user", type: "search", value: params.get("user") ?? "", placeholder: "an email" });
  const pool = h("select", { id: "trace-pool" }, h("option", { value: "" }, "all pools"));
  const kind = h("select", { id: "trace-kind" }, h("option", { value: "" }, "everything"), h("option", { value: "sign-in" }, "sign-ins"), h("option", { value: "s3-event" }, "S3 events"), h("option", { value: "invocation" }, "other invocations"));
  kind.value = params.get("kind") ?? "";
  const body = h("tbody");
  const table = h(
    "table",
    { "aria-label": "Traces, newest first" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Started"), h("th", { scope: "col" }, "What"), h("th", { scope: "col" }, "User"), h("th", { scope: "col" }, "Pool"), h("th", { scope: "col" }, "Outcome"), h("th", { scope: "col" }, "Steps"))),
    body,
  );
  const pools = new Set();
  const load = async () => {
    const q = new URLSearchParams();
    if (user.value.trim()) q.set("user", user.value.trim());
    if (pool.value) q.set("pool", pool.value);
    if (kind.value) q.set("kind", kind.value);
    history.replaceState(null, "", `/_rekognito/traces${q.size ? `?${q}` : ""}`);
    const { traces } = await api(`/_rekognito/api/traces?${q}`);
    for (const t of traces) {
      if (t.poolId && !pools.has(t.poolId)) {
        pools.add(t.poolId);
        pool.append(h("option", { value: t.poolId }, t.poolId));
      }
    }
    body.replaceChildren(
      ...(traces.length
        ? traces.map((t) =>
            h(
              "tr",
              {},
              h("td.mono", {}, time(t.startedAt)),
              h("td", {}, h("a", { href: `/_rekognito/traces/${t.id}` }, t.title)),
              h("td", {}, t.user ?? ""),
              h("td.mono", {}, t.poolId ?? ""),
              h("td", {}, outcomeBadge(t.outcome)),
              h("td", {}, String(t.steps)),
            ),
          )
        : [h("tr", {}, h("td.empty", { colspan: 6 }, "No traces yet: sign in through the app, or call the stack."))]),
    );
  };
  if (params.get("pool")) {
    pools.add(params.get("pool"));
    pool.append(h("option", { value: params.get("pool") }, params.get("pool")));
    pool.value = params.get("pool");
  }
  user.addEventListener("input", debounce(load, 250));
  pool.addEventListener("change", load);
  kind.addEventListener("change", load);
  view.replaceChildren(
    h("h1", {}, "Traces"),
    h("p.muted", {}, "Each sign-in as a timeline, each Lambda invocation with its log, each S3 event with the functions it ran. Kept in memory: the latest few hundred."),
    h("div.filters", {}, h("div", {}, h("label", { for: "trace-user" }, "User"), user), h("div", {}, h("label", { for: "trace-pool" }, "Pool"), pool), h("div", {}, h("label", { for: "trace-kind" }, "Kind"), kind)),
    table,
  );
  await load();
  const reload = debounce(load, 200);
  return {
    onTrace: (change) => {
      if (change.trace.steps === 1 && change.trace.kind === "sign-in") announce(`${change.trace.title} started.`);
      reload();
    },
    onMail() {},
  };
}

function scoresOf(type, detail) {
  if (type !== "call" || !detail || typeof detail !== "object") return null;
  if (Array.isArray(detail.faceMatches)) {
    const matches = detail.faceMatches;
    return h(
      "div.scores",
      {},
      matches.length
        ? matches.map((m) => h("span", {}, h("span.score", { title: "similarity" }, Number(m.similarity).toFixed(2)), m.externalImageId ?? m.faceId ?? "", " "))
        : h("span.muted", {}, `no face above the threshold (${detail.faceMatchThreshold ?? detail.similarityThreshold})`),
    );
  }
  if (Array.isArray(detail.indexed)) {
    return h("div.scores", {}, `${detail.indexed.length} face(s) indexed`, detail.unindexed?.length ? `, ${detail.unindexed.length} not (${detail.unindexed.flat().join(", ")})` : "");
  }
  return null;
}

function stepItem(step, startedAt, children) {
  const detail = parse(step.detail);
  const status = step.ok === undefined && step.ms === undefined && (step.type === "trigger" || step.type === "invocation") ? h("span.badge.wait", {}, "running") : null;
  const failed = step.ok === false;
  const parts = [];
  if (step.type === "challenge" && detail) {
    // A long value (a presigned URL) shows its start; the rest is a click away.
    const cell = (v) => (String(v).length > 72 ? h("details.value", {}, h("summary", {}, `${String(v).slice(0, 60)}…`), String(v)) : String(v));
    const table = (map) => h("table", {}, h("tbody", {}, Object.entries(map ?? {}).map(([k, v]) => h("tr", {}, h("th", { scope: "row" }, k), h("td.mono", {}, cell(v))))));
    parts.push(h("div.params", {}, h("div", {}, h("h4", {}, "Public parameters (the client sees these)"), table(detail.publicChallengeParameters)), h("div", {}, h("h4", {}, "Private parameters (Verify sees these)"), table(detail.privateChallengeParameters))));
  } else if (step.type === "invocation" && detail?.log) {
    parts.push(h("details", { open: failed }, h("summary", {}, `Log (${detail.log.length} lines)`), h("pre.log", {}, detail.log.join("\n"))));
  } else if (step.type === "trigger" && detail) {
    parts.push(h("details", {}, h("summary", {}, "Event"), h("pre", {}, JSON.stringify(detail.event, null, 2))));
    if (detail.response !== undefined) parts.push(h("details", {}, h("summary", {}, "Response"), h("pre", {}, JSON.stringify(detail.response, null, 2))));
  } else if (detail !== undefined) {
    parts.push(h("details", {}, h("summary", {}, "Details"), h("pre", {}, typeof detail === "string" ? detail : JSON.stringify(detail, null, 2))));
  }
  return h(
    `li.step${failed ? ".failed" : ""}${step.expected ? ".expected" : ""}`,
    { "data-type": step.type, "data-seq": step.seq },
    h(
      "div.line",
      {},
      h("span.at", {}, `+${Math.max(0, step.at - startedAt)} ms`),
      h(
        "span.what",
        {},
        h("span.title", {}, step.title),
        step.ms !== undefined ? h("span.ms", {}, ` ${step.ms.toFixed(1)} ms`) : null,
        failed ? h("span.badge.bad", {}, step.error ?? "failed") : step.expected ? h("span.badge", {}, "expected") : null,
        status,
      ),
    ),
    scoresOf(step.type, detail),
    parts,
    children.length ? h("ol", {}, children) : null,
  );
}

async function trace(id) {
  let data;
  const draw = () => {
    const byParent = new Map();
    for (const step of data.steps) {
      const key = step.parent ?? 0;
      if (!byParent.has(key)) byParent.set(key, []);
      byParent.get(key).push(step);
    }
    const known = new Set(data.steps.map((s) => s.seq));
    const tree = (parent) => (byParent.get(parent) ?? []).map((s) => stepItem(s, data.startedAt, tree(s.seq)));
    // Steps whose parent was not kept are shown at the top level.
    const orphans = data.steps.filter((s) => s.parent !== undefined && !known.has(s.parent)).map((s) => stepItem(s, data.startedAt, tree(s.seq)));
    view.replaceChildren(
      h("p", {}, h("a", { href: "/_rekognito/traces" }, "← All traces")),
      h("h1", {}, data.title, " ", outcomeBadge(data.outcome)),
      h("p.muted", {}, `${data.kind} · started ${new Date(data.startedAt).toLocaleString([], { hour12: false })}${data.poolId ? ` · pool ${data.poolId}` : ""}${data.dropped ? ` · ${data.dropped} later steps not kept` : ""}`),
      h("ol.timeline", { "aria-label": "Timeline" }, tree(0), orphans),
    );
  };
  data = await api(`/_rekognito/api/traces/${encodeURIComponent(id)}`);
  draw();
  const refresh = debounce(async () => {
    data = await api(`/_rekognito/api/traces/${encodeURIComponent(id)}`);
    // Keep open <details> open across a redraw.
    const open = new Set([...view.querySelectorAll("li.step")].filter((li) => li.querySelector(":scope > details[open]")).map((li) => li.dataset.seq));
    draw();
    for (const li of view.querySelectorAll("li.step")) if (open.has(li.dataset.seq)) for (const d of li.querySelectorAll(":scope > details")) d.open = true;
  }, 100);
  return {
    onTrace: (change) => {
      if (change.trace.id === id) refresh();
    },
    onMail() {},
  };
}

// --- resources

async function resources() {
  const draw = (r) => {
    const collections = r.collections.map((c) =>
      h(
        "section.card",
        { "aria-label": `Collection ${c.collectionId}` },
        h("h3", {}, `Collection ${c.collectionId}`, h("span.muted", {}, ` · ${c.faceCount} face(s) · ${c.region}`)),
        c.faces.length
          ? h(
              "div.faces",
              {},
              c.faces.map((f) =>
                h(
                  "figure",
                  {},
                  f.source
                    ? h(
                        "div.photo",
                        {},
                        h("img", { src: `/_rekognito/api/faces/${f.faceId}/image`, alt: `The image face ${f.faceId} was indexed from (s3://${f.source.bucket}/${f.source.key}), its box drawn` }),
                        h("div.box", { style: { left: `${f.boundingBox.Left * 100}%`, top: `${f.boundingBox.Top * 100}%`, width: `${f.boundingBox.Width * 100}%`, height: `${f.boundingBox.Height * 100}%` } }),
                      )
                    : h("div.nophoto", {}, "source image not seen by this server (indexed before it started, or from bytes)"),
                  h(
                    "figcaption",
                    {},
                    h("div", {}, h("strong", {}, f.user ?? f.externalImageId ?? "(no external id)")),
                    f.user ? h("div.mono", { title: "ExternalImageId" }, f.externalImageId) : null,
                    h("div.mono", { title: "FaceId" }, f.faceId),
                    h("div.muted", {}, `confidence ${Number(f.confidence).toFixed(1)}`),
                  ),
                ),
              ),
            )
          : h("p.empty", {}, "No faces."),
      ),
    );
    const pools = r.userPools.map((p) =>
      h(
        "section.card",
        { "aria-label": `User pool ${p.name}` },
        h("h3", {}, `User pool ${p.name}`, h("span.muted", {}, ` · ${p.id} · ${p.userCount} user(s) · clients ${p.clients.map((c) => `${c.name} (${c.id})`).join(", ") || "none"}`)),
        p.users.length
          ? h(
              "table",
              {},
              h("thead", {}, h("tr", {}, ["Email", "Username", "Status", "Enabled", "Created"].map((t) => h("th", { scope: "col" }, t)))),
              h(
                "tbody",
                {},
                p.users.map((u) =>
                  h("tr", {}, h("td", {}, h("a", { href: `/_rekognito/traces?user=${encodeURIComponent(u.email ?? u.username)}` }, u.email ?? "")), h("td.mono", {}, u.username), h("td", {}, u.status), h("td", {}, u.enabled ? "yes" : "no"), h("td", {}, when(u.createdAt))),
                ),
              ),
            )
          : h("p.empty", {}, "No users."),
      ),
    );
    const buckets = r.buckets.map((b) =>
      h(
        "section.card",
        { "aria-label": `Bucket ${b.name}` },
        h("h3", {}, `Bucket ${b.name}`, h("span.muted", {}, ` · ${b.objectCount}${b.truncated ? "+" : ""} object(s)`)),
        b.objects.length
          ? h("table", {}, h("thead", {}, h("tr", {}, ["Key", "Size", "Modified"].map((t) => h("th", { scope: "col" }, t)))), h("tbody", {}, b.objects.map((o) => h("tr", {}, h("td.mono", {}, o.key), h("td", {}, `${o.size} B`), h("td", {}, o.lastModified ? when(o.lastModified) : "")))))
          : h("p.empty", {}, "Empty."),
      ),
    );
    const tables = h(
      "table",
      { "aria-label": "Tables" },
      h("thead", {}, h("tr", {}, ["Table", "Keys", "Items", "Status"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, r.tables.length ? r.tables.map((t) => h("tr", {}, h("td.mono", {}, t.name), h("td", {}, t.keys.join(", ")), h("td", {}, String(t.itemCount ?? "")), h("td", {}, t.status ?? ""))) : h("tr", {}, h("td.empty", { colspan: 4 }, "No tables."))),
    );
    const functions = h(
      "table",
      { "aria-label": "Functions" },
      h("thead", {}, h("tr", {}, ["Function", "Runtime", "Handler", "Memory", "Timeout", "Triggers", "Modified"].map((t) => h("th", { scope: "col" }, t)))),
      h(
        "tbody",
        {},
        r.functions.length
          ? r.functions.map((f) => h("tr", {}, h("td.mono", {}, f.name), h("td", {}, f.runtime), h("td.mono", {}, f.handler), h("td", {}, `${f.memorySize} MB`), h("td", {}, `${f.timeout} s`), h("td", {}, f.triggers.join(", ")), h("td", {}, when(f.lastModified))))
          : h("tr", {}, h("td.empty", { colspan: 7 }, "No functions.")),
      ),
    );
    view.replaceChildren(
      h("h1", {}, "Resources"),
      ...(r.errors.length ? [h("p", { role: "alert" }, r.errors.join("; "))] : []),
      h("h2", {}, "Face collections"),
      ...(collections.length ? collections : [h("p.empty", {}, "No collections.")]),
      h("h2", {}, "User pools"),
      ...(pools.length ? pools : [h("p.empty", {}, "No user pools.")]),
      h("h2", {}, "Buckets"),
      h("div.grid2", {}, buckets.length ? buckets : h("p.empty", {}, "No buckets.")),
      h("h2", {}, "Tables"),
      tables,
      h("h2", {}, "Functions"),
      functions,
    );
  };
  draw(await api("/_rekognito/api/resources"));
  const reload = debounce(async () => draw(await api("/_rekognito/api/resources")), 600);
  return { onTrace: reload, onMail: reload };
}

// ------------------------------------------------------------------ live

function connect() {
  const events = new EventSource("/_rekognito/api/events");
  events.addEventListener("open", () => {
    live.textContent = "live";
    live.classList.add("on");
  });
  events.addEventListener("error", () => {
    live.textContent = "reconnecting…";
    live.classList.remove("on");
  });
  events.addEventListener("trace", (e) => current.onTrace(JSON.parse(e.data)));
  events.addEventListener("mail", (e) => current.onMail(JSON.parse(e.data)));
}

connect();
render();
