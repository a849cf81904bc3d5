/*
 * Reference EPR front end: progressive enhancement, no build step.
 *
 * Every page works without this script (plain links and forms). With it:
 *
 *  - Client-side navigation: same-origin links and GET forms are fetched and
 *    the page's <header> and <main> swapped in, with history.pushState and
 *    popstate, document.title updated and focus moved to the new h1 (or
 *    to the page's error summary, as on a page loaded whole). While
 *    loading, <main> has aria-busy="true" and a spinner "Loading…"
 *    (role=status) is shown. A GET form with data-loading="Searching…" shows
 *    that text in its [data-loading-region] instead. POST forms, links with
 *    data-full-page, download or target, and /static, /fhir, /_test paths
 *    load normally.
 *  - Confirmation prompts: a form (or its submit button) with
 *    data-confirm="Cancel this appointment?" opens a modal alertdialog
 *    named by the question, with "Confirm" and "Go back", before it
 *    submits; focus starts on "Go back" (or the text box), Escape goes
 *    back. Only Confirm submits, adding confirmed=yes to the form.
 *    Optional: data-confirm-detail (a paragraph under the question),
 *    data-confirm-button (the confirm button's text instead of
 *    "Confirm"), data-confirm-cancel (instead of "Go back"),
 *    data-confirm-warning (a red confirm button) and
 *    data-confirm-field="reason" with data-confirm-field-label (and
 *    -hint): a text box whose text is submitted as the form's "reason".
 *  - Toasts: a server-rendered flash message (section "Notifications") gets
 *    a "Dismiss" button; toasts of pages loaded client-side are shown too.
 *  - Tabs: a container with data-tabs="Patient details" becomes a tab list
 *    (role tablist, named by the attribute) with one tab per <section> it
 *    holds, named by the section's heading; each section goes into a
 *    tabpanel and only the selected one shows (the first at first). Arrow
 *    keys, Home and End move between the tabs. Without the script the
 *    sections show one after the other.
 *  - Discarding: a link with data-discard="Discard this note?" inside a
 *    form asks that question in a native confirm() when the form's text
 *    fields hold anything; OK (or nothing to lose) empties them and shows
 *    the toast data-discarded ("Note discarded"); Cancel leaves everything
 *    as it was. Without the script the link is followed, which reloads the
 *    page without what was typed.
 *  - Session timeout: <body data-session-timeout="900"> (seconds) starts an
 *    idle timer. Two minutes before the end (half the timeout when shorter)
 *    a dialog "Your session will end in 2 minutes" offers "Stay signed in"
 *    (POST /session/keep-alive) and "Sign out"; at the end the page signs
 *    out (POST /logout, reason=timeout) to "Your session has ended".
 */
(function () {
  'use strict';
  if (!window.fetch || !window.DOMParser || !window.history || !history.pushState) {
    return;
  }
  document.documentElement.classList.add('js');

  var seq = 0;          // the latest navigation; older responses are dropped
  var controller = null; // aborts the navigation in flight

  function uid(prefix) {
    return prefix + '-' + Math.random().toString(16).slice(2, 10);
  }

  function main() { return document.querySelector('main'); }

  // --- loading indicators ---

  function spinner(text, cls) {
    var p = document.createElement('p');
    p.setAttribute('role', 'status');
    p.className = cls;
    var s = document.createElement('span');
    s.className = 'spinner';
    s.setAttribute('aria-hidden', 'true');
    p.appendChild(s);
    p.appendChild(document.createTextNode(text));
    return p;
  }

  function showLoading(loadingText) {
    var m = main();
    if (m) { m.setAttribute('aria-busy', 'true'); }
    var region = loadingText && m && m.querySelector('[data-loading-region]');
    if (region) {
      region.replaceChildren(spinner(loadingText, 'loading-inline'));
      return;
    }
    hideLoading();
    var bar = spinner('Loading…', 'loading-bar');
    bar.setAttribute('data-loading-bar', '');
    document.body.appendChild(bar);
  }

  function hideLoading() {
    var bar = document.querySelector('[data-loading-bar]');
    if (bar) { bar.remove(); }
    var m = main();
    if (m) { m.removeAttribute('aria-busy'); }
  }

  // --- client-side navigation ---

  function sameApp(url) {
    if (url.origin !== location.origin) { return false; }
    return !/^\/(static|fhir|_test|healthz|version)(\/|$)/.test(url.pathname);
  }

  function navigate(href, opts) {
    opts = opts || {};
    var my = ++seq;
    if (controller) { controller.abort(); }
    controller = new AbortController();
    showLoading(opts.loading);
    fetch(href, {
      credentials: 'same-origin',
      headers: { 'Accept': 'text/html' },
      signal: controller.signal
    }).then(function (res) {
      var type = res.headers.get('Content-Type') || '';
      if (type.indexOf('text/html') !== 0) {
        location.assign(href);
        return null;
      }
      return res.text().then(function (text) { return { res: res, text: text }; });
    }).then(function (got) {
      if (!got || my !== seq) { return; }
      var doc = new DOMParser().parseFromString(got.text, 'text/html');
      var newMain = doc.querySelector('main');
      if (!newMain) {
        location.assign(got.res.url || href);
        return;
      }
      swap(doc);
      var url = got.res.url || href;
      if (opts.push) {
        history.pushState({ refepr: true }, '', url);
      } else {
        history.replaceState({ refepr: true }, '', url);
      }
      focusHeading();
    }).catch(function (err) {
      if (err && err.name === 'AbortError') { return; }
      location.assign(href); // let the browser show what went wrong
    });
  }

  function swap(doc) {
    document.title = doc.title;
    var oldHeader = document.querySelector('header');
    var newHeader = doc.querySelector('header');
    if (oldHeader && newHeader) { oldHeader.replaceWith(document.adoptNode(newHeader)); }
    var newMain = document.adoptNode(doc.querySelector('main'));
    main().replaceWith(newMain);
    var skip = document.querySelector('.skip-link');
    if (skip) { skip.setAttribute('href', '#' + newMain.id); }
    var oldToasts = document.querySelector('.toasts');
    if (oldToasts) { oldToasts.remove(); }
    var newToasts = doc.querySelector('.toasts');
    if (newToasts) {
      newMain.before(document.adoptNode(newToasts));
      enhanceToasts();
    }
    enhanceTabs(newMain);
    hideLoading();
    var timeout = doc.body.getAttribute('data-session-timeout');
    if (timeout) {
      document.body.setAttribute('data-session-timeout', timeout);
    } else {
      document.body.removeAttribute('data-session-timeout');
    }
    session.restart(); // the request extended the sign-in
  }

  // focusHeading moves focus to the page's error summary, if it has one
  // (its links lead to the fields), else to its h1.
  function focusHeading() {
    if (focusProblem()) { return; }
    var h1 = main().querySelector('h1') || main();
    if (!h1.hasAttribute('tabindex')) { h1.setAttribute('tabindex', '-1'); }
    h1.focus();
  }

  function focusProblem() {
    var summary = main() && main().querySelector('.error-summary[tabindex="-1"]');
    if (!summary) { return false; }
    summary.focus();
    return true;
  }
  focusProblem(); // a page loaded whole, such as a form posted back with errors

  // Discard links answer before client-side navigation sees the click.
  document.addEventListener('click', function (e) {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) { return; }
    var a = e.target.closest('a[data-discard]');
    var form = a && a.closest('form');
    if (!form) { return; }
    e.preventDefault();
    discard(form, a);
  }, true);

  document.addEventListener('click', function (e) {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) { return; }
    var a = e.target.closest('a[href]');
    if (!a || a.target || a.hasAttribute('download') || a.hasAttribute('data-full-page')) { return; }
    var url = new URL(a.href, location.href);
    if (!sameApp(url)) { return; }
    if (url.pathname === location.pathname && url.search === location.search && url.hash) { return; } // in-page (skip link)
    e.preventDefault();
    navigate(url.href, { push: true });
  });

  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (e.defaultPrevented || !(form instanceof HTMLFormElement)) { return; }
    var submitter = e.submitter || null;
    var question = (submitter && submitter.getAttribute('data-confirm')) || form.getAttribute('data-confirm');
    if (question && form.getAttribute('data-confirmed') !== 'yes') {
      e.preventDefault();
      confirmThen(form, submitter, question);
      return;
    }
    form.removeAttribute('data-confirmed');
    var method = (form.getAttribute('method') || 'get').toLowerCase();
    if (method !== 'get' || form.target || form.hasAttribute('data-full-page')) { return; }
    var action = new URL(form.getAttribute('action') || location.href, location.href);
    if (!sameApp(action)) { return; }
    e.preventDefault();
    var params = new URLSearchParams(new FormData(form, submitter));
    action.search = params.toString();
    navigate(action.href, { push: true, loading: form.getAttribute('data-loading') });
  });

  window.addEventListener('popstate', function () {
    navigate(location.href, { push: false });
  });
  history.replaceState({ refepr: true }, '', location.href);

  // --- modal dialogs ---

  // openDialog shows a modal <dialog> labelled by its heading. The rest of
  // the page is inert while it is open (focus is trapped), Escape closes
  // it, and focus returns to what had it. opts: heading, detail (a
  // paragraph that describes the dialog), role ("alertdialog" for a
  // prompt before a change; the <dialog> element is a "dialog"), field
  // ({label, hint}: a labelled text box), buttons: [{text, cls, value}],
  // focus (the index of the button that gets focus; the field gets it
  // first when there is one). done(value, text) gets the chosen button's
  // value ("" for Escape) and the field's text.
  function openDialog(opts, done) {
    var returnTo = document.activeElement;
    var dlg = document.createElement('dialog');
    dlg.className = 'modal';
    if (opts.role) { dlg.setAttribute('role', opts.role); }
    var hid = uid('dialog-heading');
    dlg.setAttribute('aria-labelledby', hid);
    var h = document.createElement('h2');
    h.id = hid;
    h.textContent = opts.heading;
    dlg.appendChild(h);
    if (opts.detail) {
      var pid = uid('dialog-detail');
      var p = document.createElement('p');
      p.id = pid;
      p.textContent = opts.detail;
      dlg.appendChild(p);
      dlg.setAttribute('aria-describedby', pid);
    }
    var input = null;
    if (opts.field) {
      var fid = uid('dialog-field');
      var wrap = document.createElement('div');
      wrap.className = 'field';
      var label = document.createElement('label');
      label.htmlFor = fid;
      label.textContent = opts.field.label;
      wrap.appendChild(label);
      input = document.createElement('textarea');
      input.id = fid;
      input.rows = 3;
      if (opts.field.hint) {
        var hint = document.createElement('p');
        hint.id = fid + '-hint';
        hint.className = 'hint';
        hint.textContent = opts.field.hint;
        wrap.appendChild(hint);
        input.setAttribute('aria-describedby', hint.id);
      }
      wrap.appendChild(input);
      dlg.appendChild(wrap);
    }
    var actions = document.createElement('div');
    actions.className = 'actions';
    opts.buttons.forEach(function (b) {
      var btn = document.createElement('button');
      btn.type = 'button';
      btn.textContent = b.text;
      if (b.cls) { btn.className = b.cls; }
      btn.addEventListener('click', function () { dlg.returnValue = b.value; dlg.close(); });
      actions.appendChild(btn);
    });
    dlg.appendChild(actions);
    dlg.addEventListener('close', function () {
      var value = dlg.returnValue || '';
      var text = input ? input.value : '';
      dlg.remove();
      if (returnTo && document.contains(returnTo) && typeof returnTo.focus === 'function') { returnTo.focus(); }
      done(value, text);
    });
    document.body.appendChild(dlg);
    dlg.returnValue = '';
    dlg.showModal();
    var first = input || actions.querySelectorAll('button')[opts.focus || 0];
    if (first) { first.focus(); }
    return dlg;
  }

  // confirmThen asks the data-confirm question of a form (or its
  // submitter) in an alertdialog, and submits the form only when the
  // confirm button is pressed: "Go back" (or data-confirm-cancel's text),
  // Escape and closing leave the page as it was. A confirmed submission
  // carries confirmed=yes, which tells a server that asks for confirmation
  // on a page of its own (the no-JavaScript fallback) that this one was
  // asked already. data-confirm-field="reason" adds a text box labelled
  // data-confirm-field-label (hint: data-confirm-field-hint) whose text
  // is submitted as the form field of that name.
  function confirmThen(form, submitter, question) {
    function attr(name) {
      return (submitter && submitter.getAttribute(name)) || form.getAttribute(name) || '';
    }
    var fieldName = attr('data-confirm-field');
    var warning = (submitter && submitter.hasAttribute('data-confirm-warning')) || form.hasAttribute('data-confirm-warning');
    openDialog({
      heading: question,
      detail: attr('data-confirm-detail'),
      role: 'alertdialog',
      field: fieldName ? { label: attr('data-confirm-field-label') || fieldName, hint: attr('data-confirm-field-hint') } : null,
      buttons: [
        { text: attr('data-confirm-button') || 'Confirm', cls: warning ? 'warning' : '', value: 'confirm' },
        { text: attr('data-confirm-cancel') || 'Go back', cls: 'secondary', value: 'back' }
      ],
      focus: 1 // the safe choice: Enter must not cancel or stop anything
    }, function (value, text) {
      if (value !== 'confirm') { return; }
      if (fieldName) { setField(form, fieldName, text); }
      setField(form, 'confirmed', 'yes');
      form.setAttribute('data-confirmed', 'yes');
      if (form.requestSubmit) {
        form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
      } else {
        form.submit();
      }
    });
  }

  // setField sets the form's field called name, adding a hidden one when
  // the form has none.
  function setField(form, name, value) {
    var el = form.elements.namedItem(name);
    if (!el) {
      el = document.createElement('input');
      el.type = 'hidden';
      el.name = name;
      form.appendChild(el);
    }
    el.value = value;
  }

  // --- discarding a form's text ---

  // discard empties the text fields of form, asking link's data-discard
  // question first when they hold anything; Cancel changes nothing.
  function discard(form, link) {
    var fields = Array.prototype.filter.call(form.elements, function (el) {
      return el.tagName === 'TEXTAREA' || (el.tagName === 'INPUT' && /^(text|search|)$/.test(el.type || ''));
    });
    var typed = fields.some(function (el) { return el.value.trim() !== ''; });
    if (typed && !window.confirm(link.getAttribute('data-discard'))) { return; }
    fields.forEach(function (el) { el.value = ''; });
    var done = link.getAttribute('data-discarded');
    if (done) { showToast(done); }
    if (fields.length) { fields[0].focus(); }
  }

  // --- tabs ---

  // enhanceTabs turns each [data-tabs] container under root into a tab
  // list with one tab per section it holds (see the top of this file).
  function enhanceTabs(root) {
    root.querySelectorAll('[data-tabs]').forEach(function (box) {
      if (box.querySelector('[role="tablist"]')) { return; }
      var sections = Array.prototype.filter.call(box.children, function (c) { return c.tagName === 'SECTION'; });
      if (sections.length < 2) { return; }
      var list = document.createElement('div');
      list.setAttribute('role', 'tablist');
      list.setAttribute('aria-label', box.getAttribute('data-tabs') || 'Sections');
      list.className = 'tab-list';
      var tabs = [];
      var panels = [];
      sections.forEach(function (section, i) {
        var h = section.querySelector('h2, h3');
        var tab = document.createElement('button');
        tab.type = 'button';
        tab.id = uid('tab');
        tab.setAttribute('role', 'tab');
        tab.textContent = h ? h.textContent.trim() : 'Section ' + (i + 1);
        var panel = document.createElement('div');
        panel.id = uid('tabpanel');
        panel.className = 'tab-panel';
        panel.setAttribute('role', 'tabpanel');
        panel.setAttribute('aria-labelledby', tab.id);
        panel.tabIndex = 0;
        tab.setAttribute('aria-controls', panel.id);
        section.before(panel);
        panel.appendChild(section);
        list.appendChild(tab);
        tabs.push(tab);
        panels.push(panel);
      });
      box.insertBefore(list, box.firstChild);
      function select(i, focus) {
        tabs.forEach(function (tab, j) {
          tab.setAttribute('aria-selected', i === j ? 'true' : 'false');
          tab.tabIndex = i === j ? 0 : -1;
          panels[j].hidden = i !== j;
        });
        if (focus) { tabs[i].focus(); }
      }
      list.addEventListener('click', function (e) {
        var tab = e.target.closest('[role="tab"]');
        if (tab) { select(tabs.indexOf(tab), false); }
      });
      list.addEventListener('keydown', function (e) {
        var i = tabs.indexOf(document.activeElement);
        if (i < 0) { return; }
        var n = tabs.length;
        var to = { ArrowRight: (i + 1) % n, ArrowLeft: (i + n - 1) % n, Home: 0, End: n - 1 }[e.key];
        if (to === undefined) { return; }
        e.preventDefault();
        select(to, true);
      });
      select(0, false);
    });
  }
  enhanceTabs(document);

  // --- toasts ---

  // showToast shows text as the page's one toast (role status).
  function showToast(text) {
    var region = document.querySelector('.toasts');
    if (!region) {
      region = document.createElement('section');
      region.className = 'toasts';
      region.setAttribute('aria-label', 'Notifications');
      main().before(region);
    }
    var t = document.createElement('p');
    t.className = 'toast';
    t.setAttribute('role', 'status');
    t.setAttribute('aria-live', 'polite');
    t.textContent = text;
    region.replaceChildren(t);
    enhanceToasts();
  }


  function enhanceToasts() {
    document.querySelectorAll('.toasts .toast').forEach(function (t) {
      if (t.querySelector('button')) { return; }
      var b = document.createElement('button');
      b.type = 'button';
      b.className = 'toast-dismiss secondary';
      b.textContent = 'Dismiss';
      b.setAttribute('aria-label', 'Dismiss: ' + t.textContent.trim());
      b.addEventListener('click', function () {
        var region = t.closest('.toasts');
        (region || t).remove();
        focusHeading();
      });
      t.appendChild(document.createTextNode(' '));
      t.appendChild(b);
    });
  }
  enhanceToasts();

  // --- session timeout ---

  var session = (function () {
    var warnTimer = null;
    var endTimer = null;
    var dialog = null;

    function seconds() {
      var v = parseInt(document.body.getAttribute('data-session-timeout') || '', 10);
      return v > 0 ? v : 0;
    }

    function clear() {
      if (warnTimer) { clearTimeout(warnTimer); }
      if (endTimer) { clearTimeout(endTimer); }
      warnTimer = endTimer = null;
    }

    function words(lead) {
      if (lead >= 120 && lead % 60 === 0) { return (lead / 60) + ' minutes'; }
      if (lead === 60) { return '1 minute'; }
      return lead + ' seconds';
    }

    function restart() {
      clear();
      if (dialog) { var d = dialog; dialog = null; d.close(); }
      var total = seconds();
      if (!total) { return; }
      var lead = Math.min(120, Math.floor(total / 2));
      warnTimer = setTimeout(function () { warn(lead); }, (total - lead) * 1000);
      endTimer = setTimeout(end, total * 1000);
    }

    function warn(lead) {
      dialog = openDialog({
        heading: 'Your session will end in ' + words(lead),
        detail: 'You will be signed out if you do nothing. Anything you have not saved will be lost.',
        buttons: [
          { text: 'Stay signed in', value: 'stay' },
          { text: 'Sign out', cls: 'secondary', value: 'out' }
        ]
      }, function (value) {
        if (!dialog) { return; } // closed by restart()
        dialog = null;
        if (value === 'out') {
          signOut('');
          return;
        }
        // "Stay signed in", or Escape: both count as activity.
        fetch('/session/keep-alive', { method: 'POST', credentials: 'same-origin' }).then(function (res) {
          if (res.status === 401) { signOut('timeout'); return; }
          restart();
        }).catch(function () { restart(); });
      });
    }

    function end() {
      clear();
      signOut('timeout');
    }

    function signOut(reason) {
      var f = document.createElement('form');
      f.method = 'post';
      f.action = '/logout';
      f.hidden = true;
      if (reason) {
        var i = document.createElement('input');
        i.type = 'hidden';
        i.name = 'reason';
        i.value = reason;
        f.appendChild(i);
      }
      document.body.appendChild(f);
      HTMLFormElement.prototype.submit.call(f);
    }

    return { restart: restart };
  })();
  session.restart();
})();
