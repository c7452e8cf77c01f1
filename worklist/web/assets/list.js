// The worklist page: filters kept in the address, a table of cases that
// reloads when a case changes anywhere, keyboard navigation.
'use strict';

(() => {
  const { el, api, when, pct, labelText, patient, badge, typing, live } = RF;
  const form = document.getElementById('filters');
  const tbody = document.querySelector('#cases tbody');
  const count = document.getElementById('count');
  const empty = document.getElementById('empty');
  let rows = [];
  let selected = 0;
  let changed = new Set();

  // Filters come from the address (so Back from a case restores them);
  // the status defaults to "new".
  const params = new URLSearchParams(location.search);
  if (!params.has('status')) params.set('status', 'new');
  for (const [k, v] of params) {
    const f = form.elements[k];
    if (f) f.value = v;
  }

  function query() {
    const q = new URLSearchParams();
    for (const f of form.elements) {
      if (f.name && f.value) q.set(f.name, f.value);
    }
    if (!q.has('status')) q.set('status', '');
    return q;
  }

  let loading = null;
  async function load() {
    const q = query();
    history.replaceState(null, '', '/worklist?' + q.toString());
    const mine = loading = {};
    let data;
    try {
      data = await api('GET', '/api/worklist?' + q.toString());
    } catch (e) {
      count.textContent = 'Could not load the worklist: ' + e.message;
      return;
    }
    if (mine !== loading) return;
    fillTasks(data.tasks || []);
    render(data);
  }

  function fillTasks(tasks) {
    const sel = form.elements.task;
    const have = new Set([...sel.options].map((o) => o.value));
    for (const t of tasks) {
      if (!have.has(t)) sel.append(el('option', { value: t, text: labelText(t) }));
    }
    const want = params.get('task');
    if (want && sel.value !== want && have.has(want)) sel.value = want;
  }

  function render(data) {
    const prevId = rows[selected] && rows[selected].dataset.id;
    tbody.replaceChildren();
    rows = data.cases.map((c) => row(c));
    tbody.append(...rows);
    const shown = data.cases.length;
    count.textContent = shown === data.total
      ? shown + (shown === 1 ? ' case' : ' cases')
      : 'Showing ' + shown + ' of ' + data.total + ' cases';
    empty.hidden = shown > 0;
    sessionStorage.setItem('rf-order', JSON.stringify(data.cases.map((c) => c.id)));
    sessionStorage.setItem('rf-list', location.pathname + location.search);
    let idx = rows.findIndex((r) => r.dataset.id === prevId);
    select(idx >= 0 ? idx : 0, false);
    changed.clear();
  }

  function row(c) {
    const link = el('a', { href: '/worklist/' + c.id, text: c.accession || c.report_id });
    const finding = el('span', { class: 'finding' },
      el('span', { class: 'label', text: labelText(c.label_name) }),
      el('span', { class: 'prob', text: pct(c.probability) }));
    if (!c.flagged) finding.append(el('span', { class: 'muted small', text: ' (no longer flagged)' }));
    const tr = el('tr', { tabindex: '-1', dataset: { id: c.id }, class: changed.has(c.id) ? 'flash' : '' },
      el('td', { class: 'nowrap', text: when(c.received_at) }),
      el('td', {}, badge(c.status)),
      el('td', {}, finding),
      el('td', { class: 'nowrap' }, link),
      el('td', { text: c.procedure || '' }),
      el('td', { class: 'nowrap', text: patient(c.patient) }),
      el('td', { text: c.assignee || '—' }),
      el('td', { class: 'muted', text: labelText(c.task) }));
    tr.addEventListener('click', (e) => {
      if (e.target.tagName !== 'A') location.href = link.href;
    });
    tr.addEventListener('focus', () => select(rows.indexOf(tr), false));
    return tr;
  }

  function select(i, focus) {
    if (!rows.length) return;
    selected = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach((r, j) => {
      r.classList.toggle('selected', j === selected);
      if (j === selected) r.setAttribute('aria-current', 'true'); else r.removeAttribute('aria-current');
      r.tabIndex = j === selected ? 0 : -1;
    });
    if (focus) {
      rows[selected].focus();
      rows[selected].scrollIntoView({ block: 'nearest' });
    }
  }

  document.addEventListener('keydown', (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    if (typing(e)) {
      if (e.key === 'Escape') e.target.blur();
      return;
    }
    switch (e.key) {
      case 'j': case 'ArrowDown': select(selected + 1, true); break;
      case 'k': case 'ArrowUp': select(selected - 1, true); break;
      case 'Home': select(0, true); break;
      case 'End': select(rows.length - 1, true); break;
      case 'Enter':
        if (rows[selected] && (e.target === document.body || e.target.tagName === 'TR' || e.target.id === 'main')) {
          location.href = '/worklist/' + rows[selected].dataset.id;
        } else return;
        break;
      case '/': form.elements.task.focus(); break;
      default: return;
    }
    e.preventDefault();
  });

  form.addEventListener('change', load);
  form.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  form.addEventListener('reset', () => setTimeout(() => { form.elements.status.value = 'new'; load(); }, 0));

  let timer = null;
  live((c) => {
    changed.add(c.id);
    clearTimeout(timer);
    timer = setTimeout(load, 250);
  }, load);
  load().then(() => { if (rows.length) select(0, true); });
})();
