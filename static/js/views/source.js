// views/source.js: tab "source". The DAG file's text as it is on disk, with
// the hash of the DAG version in the store (GET /dags/<id>/source), in a
// <pre> built as one text node. Fetched once per visit and again on
// "Reload" (the file on disk may be newer than the parsed version).

import * as api from '../api.js';
import {h, replace} from '../dom.js';

export function create(ctx, shell) {
  const hash = h('code', {id: 'source-hash'});
  const file = h('span', {class: 'muted small', id: 'source-file'});
  const body = h('div', {class: 'source-body'});
  let loaded = false, busy = false;
  const el = h('div', {class: 'source-view'},
    h('div', {class: 'view-toolbar'},
      h('strong', null, 'Version'), hash, file, h('div', {class: 'spacer'}),
      h('button', {type: 'button', class: 'btn btn-small', id: 'source-reload', on: {click: () => { loaded = false; shell.refresh(); }}}, 'Reload')),
    body);

  async function load() {
    try {
      const doc = await api.get(`${api.path.dag(shell.dagId)}/source`);
      hash.textContent = doc.dag_hash || '(none)';
      hash.title = 'Hash of the DAG version the scheduler parsed and runs';
      file.textContent = `${doc.fileloc} · ${doc.size} bytes`;
      replace(body,
        doc.truncated ? h('div', {class: 'banner banner-warn', role: 'status'}, 'The file is over 1 MiB: only its first 1 MiB is shown.') : null,
        h('pre', {class: 'source', id: 'source-text', tabindex: 0, 'aria-label': `Source of ${shell.dagId}`}, doc.content));
    } catch (e) {
      if (e.status === 401) throw e;
      replace(body, h('div', {class: 'banner banner-error', role: 'alert', id: 'source-error'}, ctx.errorText(e)));
    }
  }

  return {
    el,
    async update() {
      if (loaded || busy) return;
      busy = true;
      try { await load(); loaded = true; } finally { busy = false; }
    },
  };
}
