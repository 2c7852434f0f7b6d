// The customer-graph playground: GraphiQL against the gateway's GraphQL
// endpoint, with a bearer token that is kept for this browser tab only
// (sessionStorage) and sent as `Authorization: Bearer <token>` with every
// request (and in `connection_init` for a subscription, which runs over a
// WebSocket to the same endpoint). Served by the gateway itself (src/playground/mod.rs): nothing is
// loaded from anywhere else.
//
// This script runs before the React and GraphiQL bundles, so that a token in
// the address bar (`/graphql#token=<token>`) is taken and removed from it
// first; GraphiQL is rendered once the document (and so every bundle) is in.
(function () {
  'use strict';

  var TOKEN_KEY = 'customer-graph.playground.token';
  var config = JSON.parse(document.getElementById('playground-config').textContent);

  // --- the token -----------------------------------------------------------

  var memoryToken = null; // where the token lives when sessionStorage is off

  function readToken() {
    try {
      return window.sessionStorage.getItem(TOKEN_KEY) || memoryToken;
    } catch (ignored) {
      return memoryToken;
    }
  }

  function writeToken(token) {
    memoryToken = token;
    try {
      if (token) {
        window.sessionStorage.setItem(TOKEN_KEY, token);
      } else {
        window.sessionStorage.removeItem(TOKEN_KEY);
      }
    } catch (ignored) {
      // Storage is disabled: the token lasts as long as the page.
    }
  }

  // "  Bearer abc " → "abc"; "" → null.
  function normalizeToken(raw) {
    var token = String(raw || '').trim().replace(/^bearer\s+/i, '').trim();
    return token === '' ? null : token;
  }

  // Takes `token=<token>` out of the URL fragment (the fragment never reaches
  // the server, so the token stays out of its logs), stores it, and rewrites
  // the address bar without it. True when the fragment held a token.
  function takeTokenFromFragment() {
    var fragment = window.location.hash.replace(/^#/, '');
    if (fragment === '') {
      return false;
    }
    var found = false;
    var token = null;
    var rest = fragment.split('&').filter(function (part) {
      if (part.slice(0, 6) !== 'token=') {
        return true;
      }
      found = true;
      try {
        token = normalizeToken(decodeURIComponent(part.slice(6)));
      } catch (ignored) {
        token = normalizeToken(part.slice(6));
      }
      return false;
    });
    if (!found) {
      return false;
    }
    var url = window.location.pathname + window.location.search;
    if (rest.length > 0) {
      url += '#' + rest.join('&');
    }
    window.history.replaceState(window.history.state, '', url);
    writeToken(token);
    return true;
  }

  takeTokenFromFragment();

  // --- the status line above GraphiQL --------------------------------------

  var HOW_TO_GET_ONE = [
    'Create one with ',
    { code: 'customer-graph token create --organization <uuid>' },
    ' (an organization comes from ',
    { code: 'customer-graph org create --name <name>' },
    '), or start the server with ',
    { code: 'customer-graph serve --demo' },
    ', which prints one. Paste it here, or open ',
    { code: '/graphql#token=<token>' },
    '.'
  ];

  var statusElement = null;

  function tail(token) {
    return token.length > 8 ? '…' + token.slice(-4) : '';
  }

  function setStatus(kind) {
    if (!statusElement) {
      return;
    }
    var token = readToken();
    var parts;
    switch (kind) {
      case 'missing':
        parts = ['No token yet, so the schema docs and queries are unavailable. '].concat(HOW_TO_GET_ONE);
        break;
      case 'rejected':
        parts = ['The server rejected this token (401). '].concat(HOW_TO_GET_ONE);
        break;
      case 'offline':
        parts = ['The gateway did not answer. Is it still running?'];
        break;
      case 'ok':
        parts = ['Token ' + tail(token || '') + ' accepted; schema loaded. It is kept for this tab only.'];
        break;
      default:
        parts = ['Token ' + tail(token || '') + ' set for this tab; loading the schema…'];
    }
    statusElement.className = kind;
    statusElement.textContent = '';
    parts.forEach(function (part) {
      if (typeof part === 'string') {
        statusElement.appendChild(document.createTextNode(part));
      } else {
        var code = document.createElement('code');
        code.textContent = part.code;
        statusElement.appendChild(code);
      }
    });
  }

  // --- GraphiQL ------------------------------------------------------------

  var generation = 0;

  // GraphiQL's own introspection query (the docs and autocompletion run on
  // its answer) nests type references deeper than the server's depth limit
  // allows; the fetcher sends the server's shallower one in its place.
  function isIntrospection(params) {
    return params.operationName === 'IntrospectionQuery' &&
      typeof params.query === 'string' &&
      params.query.indexOf('__schema') !== -1 &&
      params.query.indexOf('fragment TypeRef on __Type') !== -1;
  }

  // The operations of a request's document: their types and names (an
  // anonymous `{ … }` counts as a query). Comments and strings are blanked
  // first, so a word inside them is not taken for a keyword.
  function operationsOf(params) {
    var text = String(params.query || '')
      .replace(/"""[\s\S]*?"""/g, '""')
      .replace(/"(?:[^"\\\n]|\\.)*"/g, '""')
      .replace(/#[^\n]*/g, '');
    var pattern = /(^|[\s}])(query|mutation|subscription)\b\s*([_A-Za-z][_0-9A-Za-z]*)?/g;
    var operations = [];
    var match;
    while ((match = pattern.exec(text)) !== null) {
      operations.push({ type: match[2], name: match[3] || null });
    }
    if (operations.length === 0 && /^\s*\{/.test(text)) {
      operations.push({ type: 'query', name: null });
    }
    return operations;
  }

  // GraphiQL may still send the operation name of the document that was in
  // the editor a moment before (pasted text, a switched tab): with one
  // operation in the document, that name is dropped rather than refused.
  function withCurrentOperation(params) {
    var operations = operationsOf(params);
    var named = operations.some(function (operation) {
      return operation.name === params.operationName;
    });
    if (params.operationName && !named && operations.length === 1) {
      var copy = Object.assign({}, params);
      delete copy.operationName;
      return copy;
    }
    return params;
  }

  // The type of the operation a request runs: the one named
  // `operationName`, or the document's first.
  function operationType(params) {
    var operations = operationsOf(params);
    for (var i = 0; i < operations.length; i++) {
      if (params.operationName && operations[i].name === params.operationName) {
        return operations[i].type;
      }
    }
    return operations.length > 0 ? operations[0].type : 'query';
  }

  // A subscription over WebSocket (graphql-transport-ws), as the async
  // iterable of results GraphiQL shows one after another: the token goes in
  // `connection_init`, the operation in `subscribe`; an error or a close
  // the page did not ask for ends it with that error shown.
  function subscribe(params, authorization) {
    var url = (window.location.protocol === 'https:' ? 'wss://' : 'ws://') +
      window.location.host + config.endpoint;
    var results = [];
    var waiting = [];
    var finished = false;
    var socket = new WebSocket(url, 'graphql-transport-ws');

    function push(result) {
      if (finished) {
        return;
      }
      if (waiting.length > 0) {
        waiting.shift()({ value: result, done: false });
      } else {
        results.push(result);
      }
    }
    function finish() {
      finished = true;
      while (waiting.length > 0) {
        waiting.shift()({ value: undefined, done: true });
      }
    }
    socket.onopen = function () {
      socket.send(JSON.stringify({ type: 'connection_init', payload: { Authorization: authorization } }));
    };
    socket.onmessage = function (event) {
      var message;
      try {
        message = JSON.parse(event.data);
      } catch (ignored) {
        return;
      }
      if (message.type === 'connection_ack') {
        socket.send(JSON.stringify({ type: 'subscribe', id: '1', payload: params }));
      } else if (message.type === 'ping') {
        socket.send(JSON.stringify({ type: 'pong' }));
      } else if (message.type === 'next') {
        push(message.payload);
      } else if (message.type === 'error') {
        push({ errors: message.payload });
        finish();
        socket.close(1000);
      } else if (message.type === 'complete') {
        finish();
        socket.close(1000);
      }
    };
    socket.onclose = function (event) {
      if (!finished && event.code !== 1000) {
        push({
          errors: [{
            message: 'The subscription ended: the server closed the connection (' + event.code +
              (event.reason ? ': ' + event.reason : '') + ').'
          }]
        });
      }
      finish();
    };
    var iterator = {
      next: function () {
        if (results.length > 0) {
          return Promise.resolve({ value: results.shift(), done: false });
        }
        if (finished) {
          return Promise.resolve({ value: undefined, done: true });
        }
        return new Promise(function (resolve) {
          waiting.push(resolve);
        });
      },
      return: function () {
        if (!finished && socket.readyState === WebSocket.OPEN) {
          socket.send(JSON.stringify({ type: 'complete', id: '1' }));
        }
        finish();
        socket.close(1000);
        return Promise.resolve({ value: undefined, done: true });
      }
    };
    iterator[Symbol.asyncIterator] = function () {
      return iterator;
    };
    return iterator;
  }

  // A fetcher bound to one token. Changing the token makes a new fetcher,
  // and GraphiQL reloads the schema whenever its fetcher changes.
  function makeFetcher(token, ownGeneration) {
    function report(kind) {
      if (ownGeneration === generation) {
        setStatus(kind);
      }
    }
    return function fetcher(params, options) {
      params = withCurrentOperation(params);
      var introspection = isIntrospection(params);
      if (introspection) {
        params = {
          query: config.introspectionQuery,
          operationName: 'IntrospectionQuery'
        };
      }
      var headers = new Headers({
        'Content-Type': 'application/json',
        Accept: 'application/graphql-response+json, application/json;q=0.9'
      });
      if (token) {
        headers.set('Authorization', 'Bearer ' + token);
      }
      // Headers typed into GraphiQL's headers editor come last, so an
      // `Authorization` there wins over the token above.
      var extra = (options && options.headers) || {};
      Object.keys(extra).forEach(function (name) {
        try {
          headers.set(name, String(extra[name]));
        } catch (ignored) {
          // Not a valid header: leave it out.
        }
      });
      if (!headers.has('Authorization')) {
        report('missing');
        return Promise.resolve({
          errors: [{
            message: 'No bearer token: paste one in the bar above. Create one with ' +
              '`customer-graph token create --organization <uuid>`, or start the server ' +
              'with `customer-graph serve --demo`, which prints one.'
          }]
        });
      }
      if (operationType(params) === 'subscription') {
        return subscribe(params, headers.get('Authorization'));
      }
      return fetch(config.endpoint, {
        method: 'POST',
        headers: headers,
        body: JSON.stringify(params),
        credentials: 'same-origin',
        cache: 'no-store'
      }).then(function (response) {
        return response.text().then(function (text) {
          var body;
          try {
            body = JSON.parse(text);
          } catch (ignored) {
            body = { errors: [{ message: 'HTTP ' + response.status + ': the answer is not JSON' }] };
          }
          if (response.status === 401) {
            report('rejected');
          } else if (introspection && body && body.data) {
            report('ok');
          }
          return body;
        });
      }, function (error) {
        report('offline');
        throw error;
      });
    };
  }

  var root = null;

  function render() {
    generation += 1;
    var token = readToken();
    setStatus(token ? 'pending' : 'missing');
    root.render(React.createElement(
      GraphiQL,
      {
        fetcher: makeFetcher(token, generation),
        defaultQuery: config.exampleQuery,
        defaultTabs: [{ query: config.exampleQuery }],
        isHeadersEditorEnabled: true,
        shouldPersistHeaders: false
      },
      React.createElement(GraphiQL.Logo, null, 'customer-graph')
    ));
  }

  function start() {
    statusElement = document.getElementById('token-status');
    var form = document.getElementById('token-form');
    var input = document.getElementById('token-input');
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var token = normalizeToken(input.value);
      input.value = '';
      if (token) {
        writeToken(token);
        render();
      }
    });
    document.getElementById('token-forget').addEventListener('click', function () {
      input.value = '';
      writeToken(null);
      render();
    });
    // A new `#token=` typed into the address bar while the page is open.
    window.addEventListener('hashchange', function () {
      if (takeTokenFromFragment()) {
        render();
      }
    });
    var container = document.getElementById('graphiql');
    container.textContent = '';
    root = ReactDOM.createRoot(container);
    render();
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
