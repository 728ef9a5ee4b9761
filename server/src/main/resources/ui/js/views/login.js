// The login form, shown instead of any page while authentication is on and nobody is logged in. The token etcd's
// Authenticate returns is kept for this tab only (sessionStorage), and sent in the Authorization header.

import { errorNotice, field, fill, h, notice } from '../dom.js';

export function mount(root, app) {
  const name = h('input', { type: 'text', autocomplete: 'username', 'data-test': 'login-name', required: true });
  const password = h('input', { type: 'password', autocomplete: 'current-password', 'data-test': 'login-password' });
  const outcome = h('div', { 'data-test': 'login-status' });
  const button = h('button', { type: 'submit', class: 'primary', 'data-test': 'login' }, 'Log in');
  fill(root, h('h2', {}, 'Log in'),
    h('p', { class: 'muted' }, 'Authentication is on for this cluster: log in as one of its users.'),
    h('form', { class: 'login', onsubmit: async (e) => {
      e.preventDefault();
      if (!name.value.trim()) {
        fill(outcome, notice('error', 'A user name is required.'));
        return;
      }
      button.disabled = true;
      try {
        await app.session.login(name.value.trim(), password.value);
      } catch (err) {
        fill(outcome, errorNotice(err, 'Not logged in'));
      } finally {
        button.disabled = false;
      }
    } }, field('User', name), field('Password', password), button),
    outcome);
  name.focus();
}
