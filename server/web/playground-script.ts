/**
 * The playground's own script and style, served as /playground/assets/playground.js and
 * playground.css (no inline script, so the page's content security policy can forbid it).
 * Browser code, ES5 only: it runs as it is, without a build step.
 */
export const PLAYGROUND_SCRIPT = String.raw`(function () {
  'use strict';
  var TOKEN_KEY = 'pillarbox.token';
  var DEFAULT_QUERY = [
    '# Pillarbox management API. Log in with the form above: the token goes into the',
    '# Headers tab below. Or run the login mutation and paste {"Authorization": "Bearer <token>"} there.',
    '# The schema (docs, completion) loads once there is a token: the API answers introspection',
    '# only to logged-in callers. After pasting a token, re-fetch it with Shift-Ctrl-R.',
    '',
    'query Status {',
    '  me { username role }',
    '  serviceStatus { version hostname startedAt listeners { name port enabled } connections { protocol count } }',
    '}',
    '',
    'mutation Login {',
    '  login(username: "admin", password: "") { token expiresAt role }',
    '}',
    '',
    'subscription Logs {',
    '  logEntries { time service severity text }',
    '}',
    ''
  ].join('\n');

  var statusEl = document.getElementById('status');
  var form = document.getElementById('login');
  var container = document.getElementById('graphiql');
  var root = ReactDOM.createRoot(container);
  var wsUrl = new URL('/graphql', window.location.href);
  wsUrl.protocol = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  var fetcher = GraphiQL.createFetcher({ url: new URL('/graphql', window.location.href).href, subscriptionUrl: wsUrl.href });

  function render(token) {
    var headers = token
      ? JSON.stringify({ Authorization: 'Bearer ' + token }, null, 2)
      : '{\n  "Authorization": "Bearer <paste a token here>"\n}';
    root.render(React.createElement(GraphiQL, {
      key: token || 'anonymous',
      fetcher: fetcher,
      defaultQuery: DEFAULT_QUERY,
      headers: headers,
      shouldPersistHeaders: false,
      isHeadersEditorEnabled: true,
      defaultEditorToolsVisibility: 'headers'
    }));
  }

  function say(text) {
    statusEl.textContent = text;
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    say('Logging in…');
    fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token expiresAt role } }',
        variables: { u: form.elements.username.value, p: form.elements.password.value }
      })
    })
      .then(function (response) { return response.json(); })
      .then(function (result) {
        if (result.errors && result.errors.length) {
          say(result.errors[0].message);
          return;
        }
        var login = result.data.login;
        sessionStorage.setItem(TOKEN_KEY, login.token);
        form.elements.password.value = '';
        say('Logged in as ' + form.elements.username.value + ' (' + login.role + ') until ' + new Date(login.expiresAt).toLocaleString());
        render(login.token);
      })
      .catch(function (err) { say('Login failed: ' + err); });
  });

  render(sessionStorage.getItem(TOKEN_KEY));
})();
`;

export const PLAYGROUND_CSS = `html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; font-family: system-ui, sans-serif; }
#login { display: flex; gap: 0.5em; align-items: center; padding: 0.4em 0.8em; border-bottom: 1px solid #ccc; font-size: 14px; }
#login input { padding: 0.2em 0.4em; }
#status { color: #555; margin-left: 0.5em; }
#graphiql { flex: 1; min-height: 0; }
`;
