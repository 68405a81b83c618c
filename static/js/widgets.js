// widgets.js: pieces shared by several views: the pause switch, the trigger
// dialog, the import-errors banner and the run-state dots.

import * as api from './api.js';
import {h, stateClass, fmtDate} from './dom.js';
import {paramForm, hasTypedParams} from './paramform.js';

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
// A DAG with typed params gets a form built from their schemas, with
// "Raw JSON" to edit the conf as text instead; others get the JSON box.
export function triggerDialog(ctx, dagId) {
  return new Promise((resolve) => {
    const err = h('div', {class: 'form-error', role: 'alert', hidden: true});
    const conf = h('textarea', {id: 'trigger-conf', name: 'conf', rows: 8, spellcheck: 'false',
      placeholder: '{\n  "key": "value"\n}'});
    const confLabel = h('label', {for: 'trigger-conf'}, 'Configuration JSON (optional)');
    const runId = h('input', {id: 'trigger-run-id', name: 'run_id', placeholder: 'generated if empty'});
    const submit = h('button', {type: 'submit', class: 'btn btn-primary', id: 'trigger-submit'}, 'Trigger');
    const cancel = h('button', {type: 'button', class: 'btn', value: 'cancel'}, 'Cancel');
    const formSlot = h('div', {class: 'param-slot'});
    let result = null;
    let pf = null;       // the params form, once the DAG's details arrived
    let raw = true;      // editing the conf as JSON text
    const rawToggle = h('button', {type: 'button', class: 'btn btn-small', id: 'trigger-raw-toggle',
      'aria-pressed': 'false', hidden: true}, 'Raw JSON');
    const form = h('form', {method: 'dialog', class: 'dialog-form', novalidate: true},
      h('h2', null, 'Trigger DAG ', h('code', null, dagId)),
      h('label', {for: 'trigger-run-id'}, 'Run id (optional)'), runId,
      formSlot, rawToggle, confLabel, conf,
      err,
      h('div', {class: 'dialog-actions'}, cancel, submit));
    const dlg = h('dialog', {class: 'dialog', id: 'trigger-dialog', 'aria-label': `Trigger ${dagId}`}, form);
    const showErr = (m) => { err.textContent = m; err.hidden = false; };
    const setRaw = (on) => {
      if (!pf) return;
      if (on) {
        conf.value = JSON.stringify(pf.read(), null, 2);
      } else {
        const p = parseConf(conf.value);
        if (p.error) { showErr(p.error); conf.focus(); return; }
        pf.write(p.conf);
      }
      raw = on;
      err.hidden = true;
      pf.clearErrors();
      pf.el.hidden = on;
      conf.hidden = confLabel.hidden = !on;
      rawToggle.setAttribute('aria-pressed', String(on));
      rawToggle.textContent = on ? 'Form' : 'Raw JSON';
      (on ? conf : pf.el.querySelector('input, select, textarea') || conf).focus();
    };
    rawToggle.addEventListener('click', () => setRaw(!raw));
    conf.addEventListener('input', () => {
      const p = parseConf(conf.value);
      conf.classList.toggle('invalid', !!p.error);
      if (!p.error) err.hidden = true;
    });
    cancel.addEventListener('click', () => dlg.close());
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      let body;
      if (raw) {
        const p = parseConf(conf.value);
        if (p.error) { showErr(p.error); conf.focus(); return; }
        body = {conf: p.conf};
      } else {
        pf.clearErrors();
        body = {conf: pf.read()};
      }
      err.hidden = true;
      if (runId.value.trim()) body.dag_run_id = runId.value.trim();
      submit.disabled = true;
      try {
        result = await api.post(api.path.runs(dagId), body);
        ctx.toast(`Triggered ${dagId}${result && result.dag_run_id ? `: ${result.dag_run_id}` : ''}`, 'success');
        dlg.close();
      } catch (e2) {
        // a param the server refused: the message goes under its field
        if (!(pf && !raw && e2 instanceof api.ApiError && pf.showError(e2.detail))) showErr(ctx.errorText(e2));
      } finally {
        submit.disabled = false;
      }
    });
    dlg.addEventListener('close', () => { dlg.remove(); resolve(result); });
    document.body.appendChild(dlg);
    dlg.showModal();
    conf.focus();
    api.get(`${api.path.dag(dagId)}/details`).then((d) => {
      if (!d || !hasTypedParams(d.params) || !dlg.open) return;
      pf = paramForm(d.params);
      formSlot.appendChild(pf.el);
      rawToggle.hidden = false;
      raw = true;
      setRaw(false);
    }).catch(() => { /* the JSON box still works */ });
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
