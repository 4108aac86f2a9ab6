/*
 * orcidlink's drop-in connect button, for a host's own pages (doc/api.md,
 * "Connect from your own page"). Include it on the page with the button
 * and on the page of the connect link's return URL (usually the same page):
 *
 *   <button type="button" data-orcidlink-connect="CONNECT LINK URL"
 *           data-orcidlink-field="orcid_result">Connect your ORCID iD</button>
 *   <script src="https://ORCIDLINK/static/connect-button.js" defer></script>
 *
 * A click opens the connect link in a popup (or, where popups are blocked,
 * in this window). When the researcher comes back to the return URL in the
 * popup, this script posts the signed result to the page that opened it,
 * to this origin only, and closes the popup. The result then
 *  - fills the form field named by data-orcidlink-field, if any, and
 *  - is dispatched as the event "orcidlink:result" (bubbling from the
 *    button, or from the document when the whole window came back), with
 *    detail.result (the signed result to send to your server) and
 *    detail.claims (its content, NOT verified: for display only).
 * Your server verifies detail.result (POST /api/v1/connect-results/verify,
 * or the keys at /api/v1/connect-keys) before believing any of it.
 */
(function () {
  'use strict';
  var PARAM = 'orcidlink_result';
  var TYPE = 'orcidlink:result';
  var popup = null;
  var button = null;

  // claims reads a result's payload without verifying it.
  function claims(result) {
    try {
      var part = String(result).split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      while (part.length % 4) { part += '='; }
      return JSON.parse(decodeURIComponent(Array.prototype.map.call(atob(part), function (c) {
        return '%' + ('00' + c.charCodeAt(0).toString(16)).slice(-2);
      }).join('')));
    } catch (e) {
      return null;
    }
  }

  function deliver(from, result) {
    var name = from && from.getAttribute && from.getAttribute('data-orcidlink-field');
    if (name) {
      var form = from.form || from.closest('form');
      var field = form && form.elements[name];
      if (field) { field.value = result; }
    }
    var ev;
    var detail = { result: result, claims: claims(result) };
    try {
      ev = new CustomEvent(TYPE, { bubbles: true, detail: detail });
    } catch (e) {
      ev = document.createEvent('CustomEvent');
      ev.initCustomEvent(TYPE, true, false, detail);
    }
    (from || document).dispatchEvent(ev);
  }

  // A return page: take the result out of the address bar, then hand it to
  // the opener (same origin only) and close, or keep it here.
  var params = new URLSearchParams(window.location.search);
  var result = params.get(PARAM);
  if (result) {
    params.delete(PARAM);
    var rest = params.toString();
    try {
      window.history.replaceState(null, '', window.location.pathname + (rest ? '?' + rest : '') + window.location.hash);
    } catch (e) { /* the result stays in the address; it is good once */ }
    var opener = null;
    try { opener = window.opener; } catch (e) { opener = null; }
    if (opener && opener !== window) {
      opener.postMessage({ type: TYPE, result: result }, window.location.origin);
      window.close();
    } else {
      var here = function () { deliver(document.querySelector('[data-orcidlink-connect]') || document, result); };
      if (document.readyState === 'loading') {
        document.addEventListener('DOMContentLoaded', here);
      } else {
        here();
      }
    }
  }

  document.addEventListener('click', function (ev) {
    var b = ev.target && ev.target.closest && ev.target.closest('[data-orcidlink-connect]');
    if (!b) { return; }
    ev.preventDefault();
    var link = b.getAttribute('data-orcidlink-connect');
    button = b;
    popup = window.open(link, 'orcidlink-connect', 'popup,width=600,height=760');
    if (!popup) {
      // Popups blocked: the whole window goes, and comes back to the
      // return URL with the result.
      window.location.assign(link);
    }
  });

  window.addEventListener('message', function (ev) {
    if (ev.origin !== window.location.origin || !popup || ev.source !== popup) { return; }
    if (!ev.data || ev.data.type !== TYPE || typeof ev.data.result !== 'string') { return; }
    popup = null;
    deliver(button, ev.data.result);
  });
}());
