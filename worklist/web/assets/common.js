// radflag worklist: helpers shared by the pages. No framework, no build
// step; every text from the server is inserted with textContent, never as HTML.
'use strict';

const RF = (() => {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const user = document.querySelector('meta[name="user"]').content;

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (k === 'dataset') Object.assign(e.dataset, v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children) {
      if (c === undefined || c === null || c === false) continue;
      e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }

  async function api(method, url, body) {
    const opts = { method, headers: { 'Accept': 'application/json' }, credentials: 'same-origin' };
    if (method !== 'GET') {
      opts.headers['X-CSRF-Token'] = csrf;
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body || {});
    }
    const res = await fetch(url, opts);
    if (res.status === 401) {
      location.href = '/login?next=' + encodeURIComponent(location.pathname + location.search);
      throw new Error('signed out');
    }
    let data = null;
    try { data = await res.json(); } catch (_) { /* not JSON */ }
    if (!res.ok) throw new Error((data && data.error) || ('HTTP ' + res.status));
    return data;
  }

  const dtf = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  function when(iso) {
    if (!iso || iso.startsWith('0001-')) return '';
    const d = new Date(iso);
    return isNaN(d) ? '' : dtf.format(d);
  }
  function pct(p) { return (100 * (p || 0)).toFixed(1) + '%'; }
  function labelText(s) { return String(s || '').replace(/_/g, ' '); }
  function capital(s) { return s.charAt(0).toUpperCase() + s.slice(1); }
  function plural(n, one, many) { return n + ' ' + (n === 1 ? one : many); }
  function patient(p) { return p && p.value ? p.value : ''; }

  function badge(status) {
    return el('span', { class: 'badge s-' + status, text: status });
  }

  // typing reports whether a key press belongs to a form field.
  function typing(ev) {
    const t = ev.target;
    return t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));
  }

  // live opens the server-sent event stream and reports its state in the
  // #live element; onCase gets each changed case summary, onOpen runs on
  // every (re)connection so the page can reload what it may have missed.
  function live(onCase, onOpen) {
    const box = document.getElementById('live');
    const txt = box && box.querySelector('.txt');
    const set = (state, text) => { if (box) { box.dataset.state = state; txt.textContent = text; } };
    let es;
    function connect() {
      es = new EventSource('/api/worklist/events');
      es.addEventListener('hello', () => { set('on', 'Live'); if (onOpen) onOpen(); });
      es.addEventListener('case', (e) => { try { onCase(JSON.parse(e.data)); } catch (_) { /* ignore */ } });
      es.onerror = () => {
        set('off', 'Reconnecting…');
        if (es.readyState === EventSource.CLOSED) setTimeout(connect, 3000);
      };
    }
    connect();
  }

  function toDateInput(d) {
    const p = (n) => String(n).padStart(2, '0');
    return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate());
  }

  return { csrf, user, el, api, when, pct, labelText, capital, plural, patient, badge, typing, live, toDateInput };
})();
