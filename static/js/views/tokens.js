// views/tokens.js: the "API tokens" page (#/tokens). Every user lists,
// creates and revokes their own personal API tokens (GET/POST
// /api/v1/auth/tokens, DELETE /api/v1/auth/tokens/<name>); a new token is
// shown once, right after it is made, with a Copy button: the server keeps
// only its hash. Admins also see every user's tokens (GET /api/v1/users and
// /users/<name>/tokens) and may revoke them. Revoking asks for a second
// click on the same button (no browser dialog). Not for: access tokens of
// POST /auth/token, which scripts get and drop themselves.

import * as api from '../api.js';
import {h, replace, fmtDate} from '../dom.js';

const enc = encodeURIComponent;

export function mount(root, ctx) {
  document.title = 'API tokens — airc';
  const me = ctx.user;
  const isAdmin = me && me.role === 'admin';
  const banner = h('div', {id: 'tokens-banner'});
  const fresh = h('div', {id: 'token-fresh'});
  const mineBody = h('tbody', {id: 'my-tokens'});
  const allBody = h('tbody', {id: 'all-tokens'});
  const nameIn = h('input', {id: 'token-name', name: 'name', required: true, maxlength: 64, placeholder: 'e.g. ci-deploy',
    pattern: '[A-Za-z0-9_.@\\-]{1,64}', 'aria-label': 'Token name', autocomplete: 'off'});
  const daysIn = h('input', {id: 'token-days', name: 'expires_days', type: 'number', min: 0, max: 36500, placeholder: 'never',
    'aria-label': 'Expires after days (empty: never)'});
  const createBtn = h('button', {type: 'submit', class: 'btn btn-primary', id: 'token-create'}, 'Create token');
  const form = h('form', {class: 'toolbar', id: 'token-form', on: {submit: create}},
    h('label', {for: 'token-name'}, 'Name'), nameIn,
    h('label', {for: 'token-days'}, 'Expires after (days)'), daysIn, createBtn);

  root.appendChild(h('section', {class: 'page'},
    h('div', {class: 'page-head'}, h('h1', null, 'API tokens'),
      h('span', {class: 'muted'}, 'Personal tokens for scripts: send ', h('code', null, 'Authorization: Bearer <token>'),
        '. A token acts with your current role.')),
    banner, form, fresh,
    h('div', {class: 'card'}, h('table', {class: 'table tokens-table', id: 'my-tokens-table'},
      h('thead', null, h('tr', null, ['Name', 'Created', 'Expires', ''].map((c) => h('th', {scope: 'col'}, c)))),
      mineBody)),
    isAdmin ? h('h2', {class: 'section-title'}, 'All users\' tokens') : null,
    isAdmin ? h('div', {class: 'card'}, h('table', {class: 'table tokens-table', id: 'all-tokens-table'},
      h('thead', null, h('tr', null, ['User', 'Name', 'Created', 'Expires', ''].map((c) => h('th', {scope: 'col'}, c)))),
      allBody)) : null));

  let gone = false;

  function error(text) {
    replace(banner, h('div', {class: 'banner banner-error', role: 'alert'}, text));
  }

  // A button that revokes on its second click.
  function revokeButton(user, name, path) {
    let armed = false;
    const b = h('button', {type: 'button', class: 'btn btn-small btn-danger token-revoke', dataset: {user, name},
      'aria-label': `Revoke token ${name} of ${user}`, on: {click: async () => {
        if (!armed) { armed = true; b.textContent = 'Click again to revoke'; return; }
        b.disabled = true;
        try {
          await api.del(path);
          ctx.toast(`Token ${name} revoked`, 'success');
          load();
        } catch (e) { error(`Could not revoke ${name}: ${ctx.errorText(e)}`); b.disabled = false; }
      }}}, 'Revoke');
    return b;
  }

  function row(user, t, path, withUser) {
    return h('tr', {class: 'token-row', dataset: {user, name: t.name}},
      withUser ? h('td', null, user) : null,
      h('td', null, h('code', null, t.name)),
      h('td', null, fmtDate(t.created)),
      h('td', null, t.expires ? fmtDate(t.expires) : h('span', {class: 'muted'}, 'never')),
      h('td', {class: 'actions'}, revokeButton(user, t.name, path)));
  }

  async function create(e) {
    e.preventDefault();
    replace(banner);
    const body = {name: nameIn.value.trim()};
    if (daysIn.value !== '') body.expires_days = Number(daysIn.value);
    createBtn.disabled = true;
    try {
      const r = await api.post('/auth/tokens', body);
      const value = h('input', {id: 'token-value', readonly: true, value: r.token, class: 'token-value',
        'aria-label': `The new token ${r.name}`});
      replace(fresh, h('div', {class: 'banner banner-ok token-once', role: 'status'},
        h('strong', null, `Token ${r.name} created. `), 'Copy it now: it is shown only this once.',
        h('div', {class: 'token-copy'}, value,
          h('button', {type: 'button', class: 'btn btn-small', id: 'token-copy', on: {click: async () => {
            value.select();
            try { await navigator.clipboard.writeText(r.token); ctx.toast('Copied', 'success'); } catch { /* selected: Ctrl+C */ }
          }}}, 'Copy'))));
      nameIn.value = '';
      daysIn.value = '';
      load();
    } catch (e2) {
      error(`Could not create the token: ${ctx.errorText(e2)}`);
    } finally { createBtn.disabled = false; }
  }

  async function load() {
    try {
      const mine = await api.get('/auth/tokens');
      if (gone) return;
      replace(mineBody, mine.tokens.length ? mine.tokens.map((t) => row(me.username, t, `/auth/tokens/${enc(t.name)}`, false))
        : h('tr', null, h('td', {colspan: 4, class: 'empty'}, 'You have no personal tokens.')));
      if (!isAdmin) return;
      const users = (await api.get('/users')).users || [];
      const rows = [];
      for (const u of users) {
        const t = await api.get(`/users/${enc(u.username)}/tokens`);
        for (const one of t.tokens || []) rows.push(row(u.username, one, `/users/${enc(u.username)}/tokens/${enc(one.name)}`, true));
      }
      if (gone) return;
      replace(allBody, rows.length ? rows : h('tr', null, h('td', {colspan: 5, class: 'empty'}, 'No user has a personal token.')));
    } catch (e) {
      if (!gone && e.status !== 401) error(`Could not load tokens: ${ctx.errorText(e)}`);
    }
  }

  load();
  return {unmount() { gone = true; }};
}
