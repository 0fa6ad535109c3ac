function after(r, errId) {
  if (r.ok) { csrfToken = null; location.href = new URLSearchParams(location.search).get('next') || '/learn'; }
  else document.getElementById(errId).textContent = (r.data && r.data.error) || ('HTTP ' + r.status);
}
// The forms answer as soon as the page is parsed, not once the session has loaded: a
// click before then was the browser's own submit, a GET with the password in the address.
document.getElementById('login-form').addEventListener('submit', async e => {
  e.preventDefault();
  after(await api('POST', '/api/session', { guest: false, name: document.getElementById('login-name').value, password: document.getElementById('login-password').value }), 'login-error');
});
document.getElementById('signup-form').addEventListener('submit', async e => {
  e.preventDefault();
  after(await api('POST', '/api/volunteers', { name: document.getElementById('signup-name').value, password: document.getElementById('signup-password').value }), 'signup-error');
});
document.getElementById('guest').addEventListener('click', async () => after(await api('POST', '/api/session', { guest: true }), 'signup-error'));
startPage();
