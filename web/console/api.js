// The console's only way to the server: the public GraphQL API, over HTTP
// (queries and mutations) and graphql-ws (live updates). Other web clients
// can copy this file.

const TOKEN_KEY = "ccm-committee.token";

/// The token pasted by the user, kept for this tab only.
export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value.trim().replace(/^bearer\s+/i, ""));
  else sessionStorage.removeItem(TOKEN_KEY);
}

/// A refusal from the API (or the network), with its first error.
export class ApiError extends Error {
  constructor(errors) {
    super(errors[0] && errors[0].message);
    this.errors = errors;
    this.error = errors[0] || {};
    this.code = (this.error.extensions && this.error.extensions.code) || "INTERNAL";
  }
}

/// Runs a query or mutation; resolves to its data, rejects with an ApiError.
export async function gql(query, variables = {}) {
  const headers = {
    "content-type": "application/json",
    accept: "application/graphql-response+json, application/json",
  };
  if (token()) headers.authorization = `Bearer ${token()}`;
  let response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError([{ message: "offline", extensions: { code: "OFFLINE" } }]);
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError([{ message: `HTTP ${response.status}`, extensions: { code: "INTERNAL" } }]);
  }
  if (body.errors && body.errors.length) throw new ApiError(body.errors);
  return body.data;
}

/// A key for one intended action: a retry of the same click sends the same
/// key, and the server answers it once.
export function idempotencyKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

const wsUrl = () => `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql/ws`;

/// Follows a subscription that takes `after` and answers `Update`s (`field`
/// of the result), from the cursor `after`: on every reconnect it subscribes
/// again after the last cursor it delivered, so nothing is lost and nothing
/// arrives twice. `onStatus` hears "live", "reconnecting" and "stopped".
/// Returns a function that stops it.
export function follow({ query, variables, field, after, onUpdate, onStatus = () => {} }) {
  let last = after;
  let stopped = false;
  let client = null;
  let retry = 0;
  let pongTimer = null;

  const connect = () => {
    client = graphqlWs.createClient({
      url: wsUrl(),
      lazy: true,
      retryAttempts: 0,
      keepAlive: 3000,
      connectionParams: () => (token() ? { Authorization: `Bearer ${token()}` } : {}),
      on: {
        // Socket errors are followed by "closed"; the subscription's own
        // `error` handles them. Listening here keeps them from surfacing.
        error: () => {},
        connected: () => { retry = 0; onStatus("live"); },
        // A ping without a pong in time: the network is gone; close now
        // rather than wait for the operating system to notice.
        ping: (received) => {
          if (received) return;
          clearTimeout(pongTimer);
          pongTimer = setTimeout(() => client && client.terminate(), 2500);
        },
        pong: (received) => { if (received) clearTimeout(pongTimer); },
        closed: () => clearTimeout(pongTimer),
      },
    });
    return client;
  };

  const run = () => {
    if (stopped) return;
    const c = connect();
    c.subscribe(
      { query, variables: { ...variables, after: last } },
      {
        next: (result) => {
          if (result.errors && result.errors.length) {
            const resume = result.errors[0].extensions && result.errors[0].extensions.resumeAfter;
            if (resume !== undefined && resume !== null) last = String(resume);
            return;
          }
          const update = result.data && result.data[field];
          if (!update) return;
          // Cursors only grow: anything at or before the last one is a repeat.
          if (last !== undefined && last !== null && BigInt(update.cursor) <= BigInt(last)) return;
          last = update.cursor;
          onUpdate(update);
        },
        error: () => again(c),
        complete: () => again(c),
      },
    );
  };

  const again = (c) => {
    close(c);
    if (stopped) return;
    onStatus("reconnecting");
    retry += 1;
    setTimeout(run, Math.min(500 * 2 ** Math.min(retry, 4), 8000));
  };

  run();
  return () => {
    stopped = true;
    onStatus("stopped");
    if (client) close(client);
  };
}

/// Disposes of a client. `dispose()` is asynchronous: while a connection
/// attempt is pending it awaits that attempt, and a failed one (a proxy
/// refusing WebSockets, a lost network) rejects with the socket's error
/// event. That failure was already reported as "reconnecting" by the
/// subscription's own `error`; here it is only swallowed, so that no
/// WebSocket failure is ever left uncaught on the page.
function close(c) {
  try {
    Promise.resolve(c.dispose()).catch(() => {});
  } catch {
    // A client that cannot be disposed of is already closed.
  }
}
