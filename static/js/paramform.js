// paramform.js: the trigger dialog's form built from a DAG's typed params
// (GET /dags/{id}/details, Airflow's Param shape). One field per param:
// enums as selects, booleans as checkboxes, integers and numbers as number
// inputs with min/max, strings as text inputs with pattern and lengths,
// arrays, objects and untyped non-strings as JSON text. The server checks
// the conf; its 400 ("conf: 'NAME' must ...") is shown under that field.
// Not for: the dialog itself (widgets.js) or fetching (api.js).

import {h} from './dom.js';

const typesOf = (schema) => [].concat(schema.type ?? []);
const mainType = (schema, value) => {
  const t = typesOf(schema).find((x) => x !== 'null');
  if (t) return t;
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'string') return 'string';
  return 'json';
};

// True if at least one param carries a schema: then the form is worth it.
export function hasTypedParams(params) {
  return Object.values(params || {}).some((p) => p && p.schema && Object.keys(p.schema).length > 0);
}

const fieldId = (i) => `param-${i}`;

function control(name, p, id, describedBy) {
  const schema = p.schema || {};
  const t = mainType(schema, p.value);
  const common = {id, name, 'aria-describedby': describedBy, dataset: {param: name}};
  if (Array.isArray(schema.enum)) {
    const sel = h('select', common, schema.enum.map((v, i) =>
      h('option', {value: String(i)}, typeof v === 'string' ? v : JSON.stringify(v))));
    const at = schema.enum.findIndex((v) => JSON.stringify(v) === JSON.stringify(p.value));
    sel.value = String(at >= 0 ? at : 0);
    return {el: sel, read: () => schema.enum[Number(sel.value)],
      write: (v) => { const k = schema.enum.findIndex((x) => JSON.stringify(x) === JSON.stringify(v)); if (k >= 0) sel.value = String(k); }};
  }
  if (t === 'boolean') {
    const cb = h('input', {...common, type: 'checkbox'});
    cb.checked = !!p.value;
    return {el: cb, read: () => cb.checked, write: (v) => { cb.checked = !!v; }};
  }
  const nullable = typesOf(schema).includes('null');
  if (t === 'integer' || t === 'number') {
    const inp = h('input', {...common, type: 'number', inputmode: t === 'integer' ? 'numeric' : 'decimal',
      step: t === 'integer' ? '1' : 'any', min: schema.minimum, max: schema.maximum});
    inp.value = p.value ?? '';
    // an empty or unreadable field is sent as null: the server says what it must be
    return {el: inp, read: () => (inp.value.trim() === '' || Number.isNaN(Number(inp.value)) ? null : Number(inp.value)),
      write: (v) => { inp.value = v ?? ''; }};
  }
  if (t === 'string') {
    // HTML patterns match the whole value, JSON Schema's anywhere: wrap it
    const inp = h('input', {...common, type: 'text', minlength: schema.minLength, maxlength: schema.maxLength,
      pattern: schema.pattern ? `.*(?:${schema.pattern}).*` : undefined, spellcheck: 'false'});
    inp.value = p.value ?? '';
    return {el: inp, read: () => (nullable && inp.value === '' ? null : inp.value), write: (v) => { inp.value = v ?? ''; }};
  }
  const ta = h('textarea', {...common, rows: 3, spellcheck: 'false', class: 'param-json'});
  ta.value = JSON.stringify(p.value ?? null);
  return {el: ta, read: () => { try { return JSON.parse(ta.value); } catch { return ta.value; } },
    write: (v) => { ta.value = JSON.stringify(v ?? null); }};
}

// Builds the fields. Returns {el, read() -> conf, write(conf), showError(detail) -> bool, clearErrors()}.
export function paramForm(params) {
  const fields = new Map();
  const rows = Object.entries(params || {}).map(([name, p], i) => {
    const id = fieldId(i);
    const hintId = `${id}-hint`, errId = `${id}-error`;
    const schema = p.schema || {};
    const c = control(name, p, id, `${hintId} ${errId}`);
    const err = h('div', {id: errId, class: 'field-error', hidden: true});
    const hintText = [schema.description, ruleText(schema)].filter(Boolean).join(' · ');
    fields.set(name, {...c, err});
    const label = h('label', {for: id}, schema.title || name, schema.title ? h('code', {class: 'muted small'}, ` ${name}`) : null);
    return h('div', {class: ['param-field', c.el.type === 'checkbox' ? 'param-check' : null], dataset: {param: name}},
      label, c.el, h('div', {id: hintId, class: 'field-hint muted small'}, hintText), err);
  });
  const el = h('fieldset', {class: 'param-form', id: 'param-form'}, h('legend', null, 'Params'), rows);
  const clearErrors = () => {
    for (const f of fields.values()) { f.err.hidden = true; f.err.textContent = ''; f.el.removeAttribute('aria-invalid'); }
  };
  return {
    el,
    read() { const conf = {}; for (const [n, f] of fields) conf[n] = f.read(); return conf; },
    write(conf) { for (const [n, v] of Object.entries(conf || {})) fields.get(n)?.write(v); },
    clearErrors,
    // the server's "conf: 'NAME' must ..." goes under NAME's field
    showError(detail) {
      const m = /^conf: '([^']+)' (.*)$/s.exec(detail || '');
      const f = m && fields.get(m[1]);
      if (!f) return false;
      clearErrors();
      f.err.textContent = `${m[1]} ${m[2]}`;
      f.err.hidden = false;
      f.el.setAttribute('aria-invalid', 'true');
      f.el.focus();
      return true;
    },
  };
}

function ruleText(s) {
  const r = [];
  if (s.minimum !== undefined) r.push(`≥ ${s.minimum}`);
  if (s.maximum !== undefined) r.push(`≤ ${s.maximum}`);
  if (s.minLength !== undefined) r.push(`at least ${s.minLength} characters`);
  if (s.maxLength !== undefined) r.push(`at most ${s.maxLength} characters`);
  if (s.pattern) r.push(`matches ${s.pattern}`);
  return r.join(', ');
}
