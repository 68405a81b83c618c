// widgets.js: pieces shared by several views: the pause switch, the trigger
// dialog, the import-errors banner and the run-state dots.

import * as api from './api.js';
import {h, stateClass, fmtDate} from './dom.js';

const VIEWER_HINT = 'Your role cannot change DAGs';

// A switch that is on while the DAG is active (unpaused), as in Airflow.
// onChange(newPaused) is called after the server accepted the change.
export function pauseSwitch(ctx, dag, onChange) {
  const input = h('input', {type: 'checkbox', role: 'switch', class: 'switch-input',
    'aria-label': `${dag.is_paused ? 'Unpause' : 'Pause'} DAG ${dag.dag_id}`,
    dataset: {dagId: dag.dag_id}});
  input.checked = !dag.is_paused;
  input.disabled = !ctx.canEdit();
  input.addEventListener('change', async () => {
    const paused = !input.checked;
    input.disabled = true;
    try {
      const r = await api.patch(api.path.dag(dag.dag_id), {is_paused: paused});
      dag.is_paused = r && typeof r.is_paused === 'boolean' ? r.is_paused : paused;
      input.checked = !dag.is_paused;
      input.setAttribute('aria-label', `${dag.is_paused ? 'Unpause' : 'Pause'} DAG ${dag.dag_id}`);
      ctx.toast(`${dag.dag_id} ${dag.is_paused ? 'paused' : 'unpaused'}`, 'success');
      if (onChange) onChange(dag.is_paused);
    } catch (e) {
      input.checked = !dag.is_paused;
      ctx.toast(`Could not ${paused ? 'pause' : 'unpause'} ${dag.dag_id}: ${ctx.errorText(e)}`, 'error');
    } finally {
      input.disabled = !ctx.canEdit();
    }
  });
  return h('label', {class: 'switch', title: ctx.canEdit() ? (dag.is_paused ? 'Paused: click to unpause' : 'Active: click to pause') : VIEWER_HINT},
    input, h('span', {class: 'switch-track', 'aria-hidden': 'true'}));
}

// Validates the conf text of the trigger dialog. Returns {conf} or {error}.
export function parseConf(text) {
  const t = text.trim();
  if (!t) return {conf: {}};
  let v;
  try { v = JSON.parse(t); } catch (e) { return {error: `Conf is not valid JSON: ${e.message}`}; }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return {error: 'Conf must be a JSON object, like {"key": "value"}.'};
  return {conf: v};
}

// Opens the trigger dialog; resolves with the new run (or null if cancelled).
export function triggerDialog(ctx, dagId) {
  return new Promise((resolve) => {
    const err = h('div', {class: 'form-error', role: 'alert', hidden: true});
    const conf = h('textarea', {id: 'trigger-conf', name: 'conf', rows: 8, spellcheck: 'false',
      placeholder: '{\n  "key": "value"\n}'});
    const runId = h('input', {id: 'trigger-run-id', name: 'run_id', placeholder: 'generated if empty'});
    const submit = h('button', {type: 'submit', class: 'btn btn-primary', id: 'trigger-submit'}, 'Trigger');
    const cancel = h('button', {type: 'button', class: 'btn', value: 'cancel'}, 'Cancel');
    let result = null;
    const form = h('form', {method: 'dialog', class: 'dialog-form'},
      h('h2', null, 'Trigger DAG ', h('code', null, dagId)),
      h('label', {for: 'trigger-run-id'}, 'Run id (optional)'), runId,
      h('label', {for: 'trigger-conf'}, 'Configuration JSON (optional)'), conf,
      err,
      h('div', {class: 'dialog-actions'}, cancel, submit));
    const dlg = h('dialog', {class: 'dialog', id: 'trigger-dialog', 'aria-label': `Trigger ${dagId}`}, form);
    const showErr = (m) => { err.textContent = m; err.hidden = false; };
    conf.addEventListener('input', () => {
      const p = parseConf(conf.value);
      conf.classList.toggle('invalid', !!p.error);
      if (!p.error) err.hidden = true;
    });
    cancel.addEventListener('click', () => dlg.close());
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const p = parseConf(conf.value);
      if (p.error) { showErr(p.error); conf.focus(); return; }
      const body = {conf: p.conf};
      if (runId.value.trim()) body.dag_run_id = runId.value.trim();
      submit.disabled = true;
      try {
        result = await api.post(api.path.runs(dagId), body);
        ctx.toast(`Triggered ${dagId}${result && result.dag_run_id ? `: ${result.dag_run_id}` : ''}`, 'success');
        dlg.close();
      } catch (e2) {
        showErr(ctx.errorText(e2));
      } finally {
        submit.disabled = false;
      }
    });
    dlg.addEventListener('close', () => { dlg.remove(); resolve(result); });
    document.body.appendChild(dlg);
    dlg.showModal();
    conf.focus();
  });
}

export function triggerButton(ctx, dagId, onTriggered, label = 'Trigger') {
  const can = ctx.canEdit();
  return h('button', {type: 'button', class: 'btn btn-trigger', disabled: !can,
    title: can ? `Trigger a run of ${dagId}` : 'Your role cannot trigger DAGs',
    'aria-label': `Trigger ${dagId}`, dataset: {dagId},
    on: {click: async () => { const r = await triggerDialog(ctx, dagId); if (r && onTriggered) onTriggered(r); }}},
  h('span', {class: 'icon-play', 'aria-hidden': 'true'}), label);
}

export function runDots(runs) {
  const list = (runs || []).slice(0, 10);
  if (!list.length) return h('span', {class: 'muted small'}, 'no runs');
  return h('span', {class: 'run-dots'}, list.map((r) =>
    h('span', {class: ['run-dot', stateClass(r.state)], title: `${r.run_id || r.dag_run_id}: ${r.state}`,
      dataset: {state: r.state || 'none'}})));
}

export function importErrorsBanner(errors) {
  if (!errors || !errors.length) return null;
  return h('section', {class: 'banner banner-error', id: 'import-errors', role: 'alert'},
    h('details', {open: errors.length <= 3},
      h('summary', null, h('strong', null, `${errors.length} DAG import error${errors.length > 1 ? 's' : ''}`),
        ' — these files could not be loaded'),
      h('ul', {class: 'import-errors'}, errors.map((e) =>
        h('li', null, h('code', {class: 'filename'}, e.filename || '?'),
          h('pre', {class: 'stack'}, e.stack_trace || ''))))));
}

export function tagChips(tags) {
  return h('span', {class: 'tags'}, (tags || []).map((t) =>
    h('span', {class: 'tag'}, typeof t === 'object' && t ? t.name : t)));
}

// Run picker shared by graph and Gantt: newest first.
export function runPicker(shell, runs) {
  const sel = h('select', {class: 'run-picker', id: 'run-picker', 'aria-label': 'Run',
    on: {change: (e) => shell.selectRun(e.target.value)}});
  for (const r of runs.slice().reverse()) {
    sel.appendChild(h('option', {value: r.run_id, selected: r.run_id === shell.selectedRun},
      `${fmtDate(r.logical_date)} · ${r.state || 'none'} · ${r.run_id}`));
  }
  if (!runs.length) sel.appendChild(h('option', {value: ''}, 'No runs yet'));
  return sel;
}
