// views/login.js: the login form. On success it reloads the session and goes
// to params.next (a hash inside the dashboard).

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
  return {unmount() {}};
}
