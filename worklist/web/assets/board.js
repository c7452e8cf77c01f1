// The tumour-board page: confirmed cases of a period, CSV download, and a
// FHIR List written to the FHIR server.
'use strict';

(() => {
  const { el, api, when, pct, labelText, plural, patient, toDateInput } = RF;
  const form = document.getElementById('board-filters');
  const tbody = document.querySelector('#board tbody');
  const count = document.getElementById('count');
  const msg = document.getElementById('msg');
  const csv = document.getElementById('csv');

  const params = new URLSearchParams(location.search);
  const today = new Date();
  const start = new Date(today); start.setDate(today.getDate() - 13);
  form.elements.from.value = params.get('from') || toDateInput(start);
  form.elements.to.value = params.get('to') || toDateInput(today);

  function query() {
    const q = new URLSearchParams();
    for (const k of ['from', 'to', 'task']) if (form.elements[k].value) q.set(k, form.elements[k].value);
    return q;
  }

  async function load() {
    const q = query();
    history.replaceState(null, '', '/tumor-board?' + q.toString());
    const cq = new URLSearchParams(q); cq.set('format', 'csv');
    csv.href = '/api/tumor-board?' + cq.toString();
    let b;
    try {
      b = await api('GET', '/api/tumor-board?' + q.toString());
    } catch (e) {
      count.textContent = 'Could not load the list: ' + e.message;
      return;
    }
    tbody.replaceChildren(...b.cases.map((c) => el('tr', {},
      el('td', { class: 'nowrap', text: when(c.decided_at) }),
      el('td', { text: c.decided_by || '' }),
      el('td', { class: 'nowrap' }, el('a', { href: '/worklist/' + c.id, text: c.accession || c.report_id })),
      el('td', { class: 'nowrap', text: patient(c.patient) }),
      el('td', { text: c.procedure || '' }),
      el('td', { text: labelText(c.label_name) + ' ' + pct(c.probability) }),
      el('td', { class: 'nowrap', text: when(c.received_at) }),
      el('td', { text: c.assignee || '—' }),
      el('td', { text: c.reason || '' }))));
    count.textContent = plural(b.cases.length, 'confirmed case', 'confirmed cases');
  }

  async function loadTasks() {
    try {
      const d = await api('GET', '/api/worklist?limit=1&status=');
      const sel = form.elements.task;
      for (const t of d.tasks || []) sel.append(el('option', { value: t, text: labelText(t) }));
      if (params.get('task')) sel.value = params.get('task');
    } catch (_) { /* the list still works without it */ }
  }

  form.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  form.addEventListener('change', load);
  document.getElementById('fhir').addEventListener('click', async () => {
    msg.textContent = 'Writing the list to the FHIR server…';
    msg.className = 'msg';
    try {
      const r = await api('POST', '/api/tumor-board/fhir-list?' + query().toString(), {});
      msg.textContent = (r.list.created ? 'Written' : 'Already on the FHIR server') + ': List/' + (r.list.id || '?') + ' with ' + plural(r.cases, 'case', 'cases') + '.';
      msg.className = 'msg ok';
    } catch (e) {
      msg.textContent = 'Not written: ' + e.message;
      msg.className = 'msg error';
    }
  });
  loadTasks().then(load);
})();
