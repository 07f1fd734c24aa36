// login.js - the login page: POST /api/v1/auth/login, then the UI.
'use strict';
(function () {
  const form = document.getElementById('login-form');
  const pw = document.getElementById('password');
  const err = document.getElementById('login-error');
  const btn = document.getElementById('login-button');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    if (!pw.value) {
      err.textContent = 'Enter the administrator password.';
      pw.focus();
      return;
    }
    btn.disabled = true;
    try {
      const r = await fetch('/api/v1/auth/login', {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ password: pw.value }),
      });
      if (r.ok) {
        location.href = '/#/dashboard';
        return;
      }
      let msg = 'Login failed (' + r.status + ')';
      try { msg = (await r.json()).error || msg; } catch (e) { /* not JSON */ }
      if (r.status === 401) msg = 'Wrong password.';
      err.textContent = msg;
      pw.select();
    } catch (e) {
      err.textContent = 'Cannot reach statewall: ' + e.message;
    } finally {
      btn.disabled = false;
    }
  });
})();
