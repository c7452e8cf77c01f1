// The case page: the report with its evidence highlighted (the server splits
// the text at the evidence's byte offsets, so no offset arithmetic happens
// here), the model's probabilities, confirm / reject / assign, the history.
'use strict';

(() => {
  const { el, api, when, pct, labelText, capital, patient, badge, typing, live } = RF;
  const root = document.getElementById('case');
  const id = root.dataset.id;
  const $ = (sel) => document.getElementById(sel);
  const msg = $('msg');
  let view = null;
  let busy = false;

  function say(text, kind) {
    msg.textContent = text;
    msg.className = 'msg' + (kind ? ' ' + kind : '');
  }

  async function load(note) {
    try {
      view = await api('GET', '/api/worklist/' + encodeURIComponent(id));
    } catch (e) {
      $('load-error').textContent = 'Could not load this case: ' + e.message;
      $('load-error').hidden = false;
      return;
    }
    render();
    if (note) say(note, 'info');
  }

  function render() {
    const c = view.case;
    const r = c.result;
    document.title = (r.accession || c.report_id) + ' · radflag';
    $('title').replaceChildren(
      el('span', { class: 'cap', text: labelText(r.label_name) + ' ' }),
      el('span', { class: 'muted', text: '· ' + (r.accession || c.report_id) }));
    $('case-body').hidden = false;

    // Report text: segments are either plain text or evidence.
    const text = $('report-text');
    if (!view.segments.length) {
      text.replaceChildren(el('p', { class: 'muted', text: 'The report text was not included with this result.' }));
    } else text.replaceChildren(...view.segments.map((s) => s.evidence < 0
      ? document.createTextNode(s.text)
      : el('mark', { class: 'ev', id: 'ev-' + s.evidence, title: 'Evidence ' + (s.evidence + 1), text: s.text })));

    $('status').replaceWith(Object.assign(badge(c.status), { id: 'status' }));
    $('decided').textContent = c.decided_by ? 'by ' + c.decided_by + ', ' + when(c.decided_at) : '';
    $('assignee').textContent = c.assignee || 'nobody';
    $('close').hidden = c.status === 'closed';
    $('reopen').hidden = c.status === 'new';

    const sel = $('label');
    const keep = sel.value;
    sel.replaceChildren(el('option', { value: '', text: 'Not sure' }),
      ...view.labels.filter((l) => l.label !== r.label)
        .map((l) => el('option', { value: l.name, text: capital(labelText(l.name)) })));
    sel.value = keep;

    facts($('model'), [
      ['Finding', labelText(r.label_name) + (r.flag ? ' (flagged)' : ' (not flagged)')],
      ['Model', (r.model.name || '') + (r.model.version ? ' ' + r.model.version : '')],
      ['Model digest', (r.model.digest || '').slice(0, 12)],
      ['Classified', when(r.created_at)],
    ]);
    $('probs').tBodies[0].replaceChildren(...view.probabilities.map((p) => el('tr', { class: p.label === r.label_name ? 'top' : '' },
      el('th', { scope: 'row', text: labelText(p.label) }),
      el('td', { class: 'bar-cell' }, bar(p.p)),
      el('td', { class: 'num', text: pct(p.p) }))));

    const ev = $('evidence');
    ev.replaceChildren(...(r.evidence || []).map((e, i) => el('li', {},
      el('a', { href: '#ev-' + i, text: e.text, onclick: (x) => { x.preventDefault(); focusEvidence(i); } }),
      el('span', { class: 'muted small', text: ' weight ' + (e.weight || 0).toFixed(2) }))));
    if (!(r.evidence || []).length) ev.replaceChildren(el('li', { class: 'muted', text: 'No evidence sentences were given.' }));

    facts($('details'), [
      ['Accession', r.accession],
      ['Patient', patient(r.patient) + (r.patient && r.patient.system ? ' (' + r.patient.system + ')' : '')],
      ['Procedure', (r.procedure && (r.procedure.display || r.procedure.code)) || ''],
      ['Report status', r.report_status],
      ['Received', when(r.received_at)],
      ['Report id', c.report_id],
      ['Task', labelText(c.task)],
    ]);

    $('history').replaceChildren(...c.history.slice().reverse().map(historyItem));
  }

  // bar sets its width through the CSSOM: the page's CSP allows no inline styles.
  function bar(p) {
    const b = el('span', { class: 'bar' });
    b.style.width = Math.round(100 * p) + '%';
    return b;
  }

  function facts(dl, pairs) {
    dl.replaceChildren();
    for (const [k, v] of pairs) {
      if (!v) continue;
      dl.append(el('dt', { text: k }), el('dd', { text: v }));
    }
  }

  const verbs = {
    created: 'Flag raised', result_updated: 'Report updated', confirm: 'Confirmed',
    reject: 'Rejected', assign: 'Assigned', close: 'Closed', reopen: 'Reopened',
  };
  function historyItem(e) {
    let what = verbs[e.action] || e.action;
    if (e.action === 'assign') what = e.assignee ? 'Assigned to ' + e.assignee : 'Unassigned';
    if (e.action === 'reject' && e.label_name) what += ' (correct label: ' + labelText(e.label_name) + ')';
    const li = el('li', {},
      el('time', { datetime: e.at, text: when(e.at) }), ' ',
      el('strong', { text: what }), ' by ', el('span', { text: e.user }));
    if (e.from && e.to && e.from !== e.to) li.append(el('span', { class: 'muted', text: ' · ' + e.from + ' → ' + e.to }));
    if (e.reason) li.append(el('div', { class: 'reason', text: e.reason }));
    return li;
  }

  function focusEvidence(i) {
    const m = $('ev-' + i);
    if (!m) return;
    m.scrollIntoView({ block: 'center' });
    m.classList.add('active');
    setTimeout(() => m.classList.remove('active'), 1500);
  }

  async function act(action, body, done) {
    if (busy) return;
    busy = true;
    say('Saving…');
    try {
      view = await api('POST', '/api/worklist/' + encodeURIComponent(id) + '/' + action, body);
      render();
      say(done, 'ok');
      return true;
    } catch (e) {
      say('Not saved: ' + e.message, 'error');
      return false;
    } finally {
      busy = false;
      catchUp();
    }
  }

  function confirmFlag() { act('confirm', {}, 'Confirmed. The flag stays on the patient record.'); }

  async function rejectFlag() {
    const reason = $('reason').value.trim();
    if (!reason) {
      say('Give a reason for rejecting the flag.', 'error');
      $('reason').setAttribute('aria-invalid', 'true');
      $('reason').focus();
      return;
    }
    $('reason').removeAttribute('aria-invalid');
    if (await act('reject', { reason, label: $('label').value }, 'Rejected. The flag is withdrawn from the patient record.')) {
      $('reason').value = '';
    }
  }

  $('confirm').addEventListener('click', confirmFlag);
  $('close').addEventListener('click', () => act('close', {}, 'Case closed.'));
  $('reopen').addEventListener('click', () => act('reopen', {}, 'Case reopened.'));
  $('reject-form').addEventListener('submit', (e) => { e.preventDefault(); rejectFlag(); });
  $('assign-me').addEventListener('click', () => act('assign', { assignee: 'me' }, 'Assigned to you.'));
  $('assign-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const a = $('assignee-input').value.trim();
    act('assign', { assignee: a }, a ? 'Assigned to ' + a + '.' : 'Unassigned.');
  });

  // j / k walk the order of the list the user came from.
  function step(d) {
    let order = [];
    try { order = JSON.parse(sessionStorage.getItem('rf-order') || '[]'); } catch (_) { /* none */ }
    const i = order.indexOf(id);
    const next = order[i + d];
    if (i >= 0 && next) location.href = '/worklist/' + next;
    else say(d > 0 ? 'This is the last case of the list.' : 'This is the first case of the list.', 'info');
  }
  function back() { location.href = sessionStorage.getItem('rf-list') || '/worklist'; }
  $('back').addEventListener('click', (e) => { e.preventDefault(); back(); });

  document.addEventListener('keydown', (e) => {
    if (e.altKey || e.ctrlKey || e.metaKey || !view) return;
    if (typing(e)) {
      if (e.key === 'Escape') e.target.blur();
      return;
    }
    switch (e.key) {
      case 'c': confirmFlag(); break;
      case 'r': $('reason').focus(); break;
      case 'a': $('assign-me').click(); break;
      case 'j': step(1); break;
      case 'k': step(-1); break;
      case 'u': case 'Escape': back(); break;
      default: return;
    }
    e.preventDefault();
  });

  // Another user's change reloads the case with a note; this page's own
  // changes (and the follow-up write that records their feedback as sent)
  // reload it quietly.
  let behind = null;
  async function catchUp() {
    const c = behind;
    behind = null;
    if (!c || !view || c.revision <= view.case.revision) return;
    const other = c.last_user && c.last_user !== RF.user && c.last_user !== 'radflag';
    await load(other ? 'Updated just now by ' + c.last_user + ' (' + (verbs[c.last_action] || c.last_action).toLowerCase() + ').' : null);
  }
  live((c) => {
    if (c.id !== id) return;
    if (!behind || c.revision > behind.revision) behind = c;
    if (!busy) catchUp();
  }, () => { if (view) load(); });
  // Offer the local users as assignees.
  api('GET', '/api/session').then((s) => {
    $('users').replaceChildren(...(s.users || []).map((u) => el('option', { value: u })));
  }).catch(() => { /* typing a name still works */ });
  load();
})();
