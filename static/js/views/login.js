// views/login.js: the login form. On success it reloads the session and goes
// to params.next (a hash inside the dashboard). When the server has single
// sign-on configured (GET /api/v1/auth/oidc), a "Sign in with SSO" link under
// the form starts the OpenID Connect sign-in; the server brings the browser
// back to params.next with a session.

import * as api from '../api.js';
import {h} from '../dom.js';

export function mount(root, ctx, params) {
  const err = h('div', {class: 'form-error', role: 'alert', hidden: true, id: 'login-error'});
  const user = h('input', {name: 'username', id: 'username', autocomplete: 'username', required: true, autofocus: true});
  const pass = h('input', {name: 'password', id: 'password', type: 'password', autocomplete: 'current-password', required: true});
  const submit = h('button', {type: 'submit', class: 'btn btn-primary btn-block'}, 'Log in');
  const form = h('form', {class: 'login-card', id: 'login-form', on: {submit: async (e) => {
    e.preventDefault();
    err.hidden = true;
    submit.disabled = true;
    try {
      await api.login(user.value, pass.value);
      await params.onLogin();
      const next = params.next && params.next.startsWith('#/') && !params.next.startsWith('#/login') ? params.next : '#/dags';
      ctx.navigate(next);
    } catch (e2) {
      err.textContent = e2.status === 401 || e2.status === 403 ? 'Invalid username or password.' : ctx.errorText(e2);
      err.hidden = false;
      pass.select();
    } finally {
      submit.disabled = false;
    }
  }}},
  h('img', {src: './favicon.svg', alt: '', width: 48, height: 48, class: 'login-logo'}),
  h('h1', null, 'Sign in to airc'),
  err,
  h('label', {for: 'username'}, 'Username'), user,
  h('label', {for: 'password'}, 'Password'), pass,
  submit);
  root.appendChild(h('div', {class: 'login-wrap'}, form));
  let gone = false;
  api.get('/auth/oidc').then((r) => {
    if (gone || !r || !r.enabled) return;
    const next = params.next && params.next.startsWith('#/') && !params.next.startsWith('#/login') ? params.next : '#/dags';
    form.appendChild(h('div', {class: 'login-or', 'aria-hidden': 'true'}, 'or'));
    form.appendChild(h('a', {class: 'btn btn-block btn-sso', id: 'sso-login',
      href: `${r.login_url}?next=${encodeURIComponent(next)}`}, 'Sign in with SSO'));
  }).catch(() => { /* no SSO: the password form alone */ });
  return {unmount() { gone = true; }};
}
