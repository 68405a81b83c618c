// control.js: control of live work in the dashboard: a confirmation
// dialog, the note editor (runs and task instances) and the backfill
// dialog with its progress. The rules are the server's (store_control.h);
// this only asks and shows.

import * as api from './api.js';
import {h} from './dom.js';
import {startPolling} from './poll.js';

// Asks before a destructive action; resolves true when confirmed.
export function confirmDialog(title, text, okLabel = 'Confirm', danger = true) {
  return new Promise((resolve) => {
    let ok = false;
    const yes = h('button', {type: 'submit', class: ['btn', danger ? 'btn-danger' : 'btn-primary'], id: 'confirm-ok'}, okLabel);
    const no = h('button', {type: 'button', class: 'btn', id: 'confirm-cancel'}, 'Cancel');
    const form = h('form', {method: 'dialog', class: 'dialog-form'},
      h('h2', null, title), h('p', {id: 'confirm-text'}, text), h('div', {class: 'dialog-actions'}, no, yes));
    const dlg = h('dialog', {class: 'dialog', id: 'confirm-dialog', 'aria-label': title}, form);
    no.addEventListener('click', () => dlg.close());
    form.addEventListener('submit', (e) => { e.preventDefault(); ok = true; dlg.close(); });
    dlg.addEventListener('close', () => { dlg.remove(); resolve(ok); });
    document.body.appendChild(dlg);
    dlg.showModal();
    no.focus();
  });
}

// A note with an Edit button (ops); saves with PATCH notePath {"note"}.
export function noteEditor(ctx, idPrefix, note, notePath, onSaved) {
  const can = ctx.canEdit();
  const shown = h('p', {class: ['note', !note && 'muted'], id: `${idPrefix}-note`}, note || 'No note.');
  const area = h('textarea', {id: `${idPrefix}-note-input`, rows: 3, maxlength: 1000, hidden: true,
    'aria-label': 'Note (at most 1000 characters)'});
  const err = h('div', {class: 'form-error', role: 'alert', hidden: true});
  const save = h('button', {type: 'button', class: 'btn btn-primary', id: `${idPrefix}-note-save`, hidden: true}, 'Save note');
  const edit = h('button', {type: 'button', class: 'btn', id: `${idPrefix}-note-edit`, disabled: !can,
    title: can ? 'Edit the note' : 'Your role cannot edit notes'}, 'Edit note');
  edit.addEventListener('click', () => {
    area.value = note || '';
    area.hidden = save.hidden = false;
    edit.hidden = shown.hidden = true;
    area.focus();
  });
  save.addEventListener('click', async () => {
    save.disabled = true;
    try {
      await api.patch(notePath, {note: area.value.trim() ? area.value : null});
      ctx.toast('Note saved', 'success');
      onSaved();
    } catch (e) {
      err.textContent = ctx.errorText(e);
      err.hidden = false;
    } finally {
      save.disabled = false;
    }
  });
  return h('div', {class: 'note-editor'}, shown, area, err, h('div', {class: 'btn-row'}, edit, save));
}

function progressText(b) {
  const r = b.runs || {};
  const done = (r.success || 0) + (r.failed || 0);
  const state = b.canceled_at ? 'canceled' : b.completed_at ? 'complete' : b.is_paused ? 'paused' : 'running';
  return `Backfill ${b.id}: ${done} of ${r.total || 0} runs done (${r.success || 0} success, ${r.failed || 0} failed, ` +
    `${r.running || 0} running, ${r.queued || 0} queued) — ${state}`;
}

// The backfill dialog of a DAG: a form (range, behaviour, max active runs,
// dry run) and, once created, the progress with a Cancel button.
export function backfillDialog(ctx, dagId) {
  const today = new Date().toISOString().slice(0, 10);
  const from = h('input', {type: 'date', id: 'backfill-from', required: true});
  const to = h('input', {type: 'date', id: 'backfill-to', required: true, value: today});
  const behavior = h('select', {id: 'backfill-reprocess'},
    h('option', {value: 'none'}, 'none: keep existing runs'),
    h('option', {value: 'failed'}, 'failed: re-run failed runs'),
    h('option', {value: 'completed'}, 'completed: re-run failed and successful runs'));
  const maxRuns = h('input', {type: 'number', id: 'backfill-max-active', min: 1, max: 1000, value: 10});
  const err = h('div', {class: 'form-error', role: 'alert', hidden: true});
  const plan = h('ul', {class: 'backfill-plan small', id: 'backfill-plan'});
  const progress = h('div', {class: 'backfill-progress', id: 'backfill-progress', role: 'status'});
  const bar = h('progress', {id: 'backfill-bar', max: 1, value: 0, hidden: true});
  const dry = h('button', {type: 'button', class: 'btn', id: 'backfill-dry'}, 'Dry run');
  const submit = h('button', {type: 'submit', class: 'btn btn-primary', id: 'backfill-submit'}, 'Start backfill');
  const cancelBf = h('button', {type: 'button', class: 'btn btn-danger', id: 'backfill-cancel', hidden: true}, 'Cancel backfill');
  const close = h('button', {type: 'button', class: 'btn', id: 'backfill-close'}, 'Close');
  const form = h('form', {method: 'dialog', class: 'dialog-form'},
    h('h2', null, 'Backfill ', h('code', null, dagId)),
    h('label', {for: 'backfill-from'}, 'From (logical date)'), from,
    h('label', {for: 'backfill-to'}, 'To (inclusive)'), to,
    h('label', {for: 'backfill-reprocess'}, 'Existing runs'), behavior,
    h('label', {for: 'backfill-max-active'}, 'At most this many runs at once'), maxRuns,
    err, plan, bar, progress,
    h('div', {class: 'dialog-actions'}, close, cancelBf, dry, submit));
  const dlg = h('dialog', {class: 'dialog', id: 'backfill-dialog', 'aria-label': `Backfill ${dagId}`}, form);
  let poll = null;
  const body = () => ({dag_id: dagId, from_date: `${from.value}T00:00:00Z`, to_date: `${to.value}T00:00:00Z`,
    reprocess_behavior: behavior.value, max_active_runs: parseInt(maxRuns.value, 10) || 1});
  const showErr = (m) => { err.textContent = m; err.hidden = false; };
  const valid = () => {
    err.hidden = true;
    if (!from.value || !to.value) { showErr('Choose both dates.'); return false; }
    if (to.value < from.value) { showErr('"To" is before "From".'); return false; }
    return true;
  };
  const show = (b) => {
    progress.textContent = progressText(b);
    bar.hidden = false;
    bar.max = Math.max(1, b.runs.total);
    bar.value = b.runs.success + b.runs.failed;
    cancelBf.hidden = !!(b.completed_at || b.canceled_at) || !ctx.canEdit();
    return !(b.completed_at || b.canceled_at);
  };
  dry.addEventListener('click', async () => {
    if (!valid()) return;
    try {
      const r = await api.post('/backfills/dry_run', body());
      plan.replaceChildren(...r.backfills.map((t) => h('li', null, `${t.logical_date.slice(0, 10)} — ${t.action}`)));
      if (!r.backfills.length) plan.replaceChildren(h('li', {class: 'muted'}, 'No scheduled ticks in this range.'));
    } catch (e) { showErr(ctx.errorText(e)); }
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!valid()) return;
    submit.disabled = true;
    try {
      const b = await api.post('/backfills', body());
      ctx.toast(`Backfill ${b.id} started`, 'success');
      submit.hidden = dry.hidden = true;
      plan.replaceChildren();
      show(b);
      poll = startPolling(async () => show(await api.get(`/backfills/${b.id}`)), 1000);
      cancelBf.onclick = async () => {
        if (!await confirmDialog('Cancel backfill', `Cancel backfill ${b.id}? Its queued runs are marked failed; running ones finish.`,
          'Cancel backfill')) return;
        try { show(await api.put(`/backfills/${b.id}/cancel`)); } catch (e2) { showErr(ctx.errorText(e2)); }
      };
    } catch (e2) {
      showErr(ctx.errorText(e2));
    } finally {
      submit.disabled = false;
    }
  });
  close.addEventListener('click', () => dlg.close());
  dlg.addEventListener('close', () => { if (poll) poll.stop(); dlg.remove(); });
  document.body.appendChild(dlg);
  dlg.showModal();
  from.focus();
  return dlg;
}
