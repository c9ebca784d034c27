// The custos consent snippet: shows a notice's purposes with switches on the business's own
// site, records the visitor's answers, and links to the privacy center. No dependencies, no
// cookies, no API key: the business's backend mints a short-lived consent token
// (POST /v1/consent-tokens) and puts it in the script tag:
//
//   <div id="custos-consent"></div>
//   <script src="https://custos.example/embed/consent.js" data-token="..." async></script>
//
// Optional: data-endpoint (custos's address; default: where the script came from) and
// data-target (the id of the element to fill; default custos-consent). The browser's Global
// Privacy Control signal and language travel with every request.
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script) return;
  var endpoint = (script.getAttribute('data-endpoint') || new URL(script.src).origin).replace(/\/+$/, '');
  var token = script.getAttribute('data-token') || '';
  var target = document.getElementById(script.getAttribute('data-target') || 'custos-consent');
  if (!target) {
    target = document.createElement('div');
    script.parentNode.insertBefore(target, script.nextSibling);
  }
  var root = target.attachShadow ? target.attachShadow({ mode: 'open' }) : target;
  var words = null;

  function el(tag, text, attrs) {
    var e = document.createElement(tag);
    if (text) e.textContent = text;
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    return e;
  }

  function call(method, body) {
    return fetch(endpoint + '/v1/embed/consents', {
      method: method,
      mode: 'cors',
      credentials: 'omit',
      headers: body ? { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' } : { Authorization: 'Bearer ' + token },
      body: body ? JSON.stringify(body) : undefined,
    }).then(function (r) {
      return r.json().then(function (doc) { return { status: r.status, doc: doc }; });
    });
  }

  function failed() {
    root.textContent = '';
    root.appendChild(el('p', (words && words.failed) || 'Your privacy choices cannot be shown right now.', { role: 'alert' }));
  }

  function answer(purpose, status, confirm) {
    call('POST', { purpose: purpose.purpose, status: status, confirm_gpc: !!confirm }).then(function (r) {
      if (r.status === 422 && r.doc.field === 'confirm_gpc') return conflict(purpose);
      if (r.status >= 300) return failed();
      load(status === 'granted' ? words.consent_recorded : words.consent_withdrawn);
    }, failed);
  }

  function conflict(purpose) {
    var box = root.querySelector('[data-purpose="' + purpose.purpose + '"]');
    var q = el('div', null, { role: 'alertdialog', 'aria-label': words.gpc_conflict_title });
    q.appendChild(el('strong', words.gpc_conflict_title));
    q.appendChild(el('p', words.gpc_conflict_text));
    var yes = el('button', words.gpc_confirm, { type: 'button' });
    var no = el('button', words.gpc_keep_off, { type: 'button' });
    yes.addEventListener('click', function () { answer(purpose, 'granted', true); });
    no.addEventListener('click', function () { load(); });
    q.appendChild(yes);
    q.appendChild(no);
    box.appendChild(q);
    yes.focus();
  }

  function render(doc, said) {
    words = doc.words;
    root.textContent = '';
    var style = el('style', ':host{display:block;font:inherit}section{margin:.75em 0}label{display:flex;gap:.5em;align-items:center}');
    root.appendChild(style);
    root.appendChild(el('h2', words.title));
    root.appendChild(el('p', words.intro));
    if (doc.gpc) root.appendChild(el('p', words.gpc_note));
    var live = el('p', said || '', { role: 'status', 'aria-live': 'polite' });
    root.appendChild(live);
    doc.purposes.forEach(function (p) {
      var box = el('section', null, { 'data-purpose': p.purpose });
      box.appendChild(el('h3', p.name));
      box.appendChild(el('p', p.notice_text));
      var state = p.gpc_blocks ? words.gpc_status : p.overrides_gpc ? words.gpc_allowed_anyway : (p.status ? words[p.status] : words.not_asked);
      box.appendChild(el('p', words.status + ' ' + state, { 'data-status': p.gpc_blocks ? 'gpc' : (p.status || 'not_asked') }));
      var on = p.status === 'granted' && !p.gpc_blocks;
      var label = el('label');
      var toggle = el('input', null, { type: 'checkbox', role: 'switch', 'aria-label': p.name });
      toggle.checked = on;
      toggle.addEventListener('change', function () { answer(p, toggle.checked ? 'granted' : 'withdrawn'); });
      label.appendChild(toggle);
      label.appendChild(el('span', (on ? words.withdraw : words.allow) + ' "' + p.name + '"'));
      box.appendChild(label);
      root.appendChild(box);
    });
    var link = el('a', words.privacy_center, { href: endpoint + '/privacy/start', target: '_blank', rel: 'noopener' });
    root.appendChild(el('p')).appendChild(link);
  }

  function load(said) {
    call('GET').then(function (r) {
      if (r.status !== 200) return failed();
      render(r.doc, said);
    }, failed);
  }

  load();
})();
