// The login form posts to the API, which answers with the user and sets the session cookie;
// then the browser goes where it was headed (data-next, checked by the server to be local).

import { clearErrors, post, showErrors } from '../api.js';
import { $, busy } from '../dom.js';
import { formValues } from '../dialog.js';

const form = $('[data-login-form]');

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  clearErrors(form);
  const { login, password } = formValues(form);
  try {
    await busy(form.querySelector('[type=submit]'), () => post('/api/v1/auth/login', { login, password }));
    location.assign(form.dataset.next || '/');
  } catch (err) {
    showErrors(form, err);
    if (err.status === 401) {
      form.password.value = '';
      form.password.focus();
    }
  }
});
