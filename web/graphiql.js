// GraphiQL, served from the binary. Queries and mutations go over HTTP with
// the headers of GraphiQL's headers editor; subscriptions over /graphql/ws,
// with the editor's Authorization header sent in `connection_init`.
(function () {
  "use strict";
  var http = location.origin + "/graphql";
  var ws = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/graphql/ws";
  var httpFetcher = GraphiQL.createFetcher({ url: http });
  var clients = {};

  function authorization(headers) {
    if (!headers) return "";
    for (var key in headers) {
      if (key.toLowerCase() === "authorization") return String(headers[key]);
    }
    return "";
  }

  // One WebSocket per token: a changed token opens a new session.
  function wsClient(token) {
    if (!clients[token]) {
      clients[token] = graphqlWs.createClient({
        url: ws,
        lazy: true,
        connectionParams: token ? { Authorization: token } : {},
      });
    }
    return clients[token];
  }

  function isSubscription(params) {
    var query = params.query || "";
    var named = params.operationName;
    var pattern = named
      ? new RegExp("subscription\\s+" + named + "\\b")
      : /^\s*subscription\b/m;
    return pattern.test(query.replace(/#[^\n]*/g, ""));
  }

  function fetcher(params, options) {
    if (!isSubscription(params)) return httpFetcher(params, options);
    var client = wsClient(authorization(options && options.headers));
    // An async iterable of results, as GraphiQL expects of a subscription.
    return {
      [Symbol.asyncIterator]: function () {
        var queue = [];
        var waiting = null;
        var done = false;
        var dispose = client.subscribe(params, {
          next: function (value) { push({ value: value, done: false }); },
          error: function (error) {
            var errors = Array.isArray(error) ? error : [{ message: error && error.reason ? "the connection closed: " + error.reason + " (" + error.code + ")" : String(error) }];
            push({ value: { errors: errors }, done: false });
            finish();
          },
          complete: finish,
        });
        function push(item) {
          if (waiting) { var w = waiting; waiting = null; w(item); } else queue.push(item);
        }
        function finish() {
          done = true;
          if (waiting) { var w = waiting; waiting = null; w({ value: undefined, done: true }); }
        }
        return {
          next: function () {
            if (queue.length) return Promise.resolve(queue.shift());
            if (done) return Promise.resolve({ value: undefined, done: true });
            return new Promise(function (resolve) { waiting = resolve; });
          },
          return: function () {
            dispose();
            done = true;
            return Promise.resolve({ value: undefined, done: true });
          },
        };
      },
    };
  }

  var defaultQuery =
    "# The Coordination Committee of the Convention on Cluster Munitions.\n" +
    "# Set a token in the headers below: { \"Authorization\": \"Bearer …\" }\n\n" +
    "{\n  committee {\n    asOf\n    positions {\n      position { code name }\n      holders { state { name } startsOn endsOn }\n    }\n  }\n}\n";

  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
    })
  );
})();
