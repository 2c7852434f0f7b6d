// The customer-graph REST API reference: Swagger UI over the gateway's
// OpenAPI document. Served by the gateway itself (src/playground/docs.rs):
// nothing is loaded from anywhere else. Swagger UI's online validator is off
// (it would send the document's URL to a third party), and so is reading
// `?url=` / `?configUrl=` from the address, so that the page only ever shows
// this gateway's document.
//
// "Try it out" sends requests to this origin. A token is entered with
// "Authorize"; a token already set in the GraphQL playground of this tab
// (sessionStorage, same origin) is filled in for you.
(function () {
  'use strict';

  var TOKEN_KEY = 'customer-graph.playground.token';
  var config = JSON.parse(document.getElementById('docs-config').textContent);

  function playgroundToken() {
    try {
      return window.sessionStorage.getItem(TOKEN_KEY);
    } catch (ignored) {
      return null;
    }
  }

  function setStatus(kind, text) {
    var status = document.getElementById('docs-status');
    status.className = kind;
    status.textContent = text;
  }

  function start() {
    var container = document.getElementById('swagger-ui');
    container.textContent = '';
    var token = playgroundToken();
    var ui = SwaggerUIBundle({
      url: config.openapiUrl,
      domNode: container,
      presets: [SwaggerUIBundle.presets.apis],
      plugins: [SwaggerUIBundle.plugins.DownloadUrl],
      layout: 'BaseLayout',
      deepLinking: true,
      docExpansion: 'list',
      defaultModelsExpandDepth: 0,
      displayRequestDuration: true,
      validatorUrl: null,
      queryConfigEnabled: false,
      persistAuthorization: false,
      withCredentials: false,
      onComplete: function () {
        if (token) {
          ui.preauthorizeApiKey(config.securityScheme, token);
          setStatus('ok', 'Authorized with the token of the GraphQL playground in this tab' +
            (token.length > 8 ? ' (…' + token.slice(-4) + ')' : '') +
            ': press "Try it out" on a route, or "Authorize" to change the token.');
        }
      }
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
