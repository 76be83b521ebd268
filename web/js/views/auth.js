// Log in and sign up. Every error the API gives is shown where it belongs: next to the
// field it names ("username must be…", "password is too easy to guess. …", "Username
// already exists."), or above the form.
import { api, ApiError } from '../api.js';
import { session } from '../store.js';
import { t } from '../i18n.js';
import { h, field, setFieldError, clearFieldErrors, formatDuration } from '../ui.js';

/** Which field an API error is about, from the words it starts with. */
export function fieldOfError(message, fields) {
  const text = String(message || '').trim().toLowerCase();
  if (/required/.test(text) && text.includes(',')) return null; // "Username, password, and email are required."
  if (text.startsWith('passwords do not match')) return fields.includes('password2') ? 'password2' : 'password';
  for (const name of ['username', 'email', 'password']) {
    if (text.startsWith(name) && fields.includes(name)) return name;
  }
  return null;
}

export async function render(root, { mode }, ctx) {
  const isLogin = mode === 'login';
  ctx.setTitle(isLogin ? t('login_title') : t('register_title'));
  const formError = h('div', { class: 'form-error', 'data-testid': 'form-error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', 'data-testid': isLogin ? 'login-submit' : 'register-submit' },
    isLogin ? t('login_button') : t('register_button'));

  const inputs = {
    username: h('input', { type: 'text', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', required: true, 'data-testid': 'username-input' }),
    email: h('input', { type: 'email', autocomplete: 'email', required: true, 'data-testid': 'email-input' }),
    password: h('input', { type: 'password', autocomplete: isLogin ? 'current-password' : 'new-password', required: true, 'data-testid': 'password-input' }),
    password2: h('input', { type: 'password', autocomplete: 'new-password', required: true, 'data-testid': 'password2-input' }),
  };
  const names = isLogin ? ['username', 'password'] : ['username', 'email', 'password', 'password2'];
  const hints = isLogin ? {} : { username: t('hint_username'), email: t('hint_email'), password: t('hint_password') };
  const labels = { username: t('username'), email: t('email'), password: t('password'), password2: t('password2') };

  const form = h('form', { class: 'auth-form', novalidate: true, 'data-testid': isLogin ? 'login-form' : 'register-form' },
    names.map((name) => field({ name, label: labels[name], input: inputs[name], hint: hints[name] })),
    formError,
    submit);

  const prefill = ctx.query.get('username');
  if (prefill) inputs.username.value = prefill;

  const card = h('section', { class: 'auth-card card' },
    h('div', { class: 'auth-intro' },
      h('h1', {}, isLogin ? t('login_title') : t('register_title')),
      h('p', { class: 'lead' }, isLogin ? t('login_lead') : t('register_lead'))),
    form,
    h('p', { class: 'auth-switch' },
      isLogin ? t('no_account') : t('have_account'), ' ',
      h('a', { href: isLogin ? '#/register' : '#/login', 'data-testid': isLogin ? 'to-register' : 'to-login' },
        isLogin ? t('register_link') : t('login_link'))));

  root.append(h('div', { class: 'auth-layout' },
    h('aside', { class: 'auth-aside', 'aria-hidden': 'true' },
      h('p', { class: 'aside-kicker' }, t('aside_kicker')),
      h('p', { class: 'aside-title' }, t('aside_title')),
      h('ul', { class: 'aside-list' }, [t('aside_1'), t('aside_2'), t('aside_3')].map((x) => h('li', {}, x)))),
    card));

  function showFormError(text) {
    formError.textContent = text;
    formError.hidden = !text;
  }

  function showError(error) {
    if (error instanceof ApiError) {
      let text = error.message;
      if (error.status === 429 && error.retryAfter) text += ` ${t('try_again_in', { wait: formatDuration(error.retryAfter) })}`;
      const name = error.status === 429 ? null : fieldOfError(error.message, names);
      if (name) {
        setFieldError(form, name, text);
        inputs[name].focus();
      } else {
        showFormError(text);
      }
    } else {
      showFormError((error && error.message) || t('err_generic'));
    }
  }

  let busy = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    clearFieldErrors(form);
    showFormError('');
    const values = Object.fromEntries(names.map((name) => [name, name.startsWith('password') ? inputs[name].value : inputs[name].value.trim()]));
    const missing = names.filter((name) => !values[name]);
    if (missing.length) {
      missing.forEach((name) => setFieldError(form, name, t('required')));
      inputs[missing[0]].focus();
      return;
    }
    busy = true;
    submit.disabled = true;
    submit.classList.add('is-busy');
    let registered = false;
    try {
      if (!isLogin) {
        await api('POST', '/api/user/register/', { auth: false, body: values });
        registered = true;
      }
      const { data } = await api('POST', '/api/user/login/', { auth: false, body: { username: values.username, password: values.password } });
      session.save(data.Token, data.expires_at, values.username);
      ctx.flash(isLogin ? t('welcome_back', { name: values.username }) : t('welcome_new', { name: values.username }), 'ok', { next: true });
      ctx.afterLogin();
    } catch (error) {
      if (!ctx.alive()) return;
      if (registered) {
        // The account exists; only the automatic log-in failed. Say so on the log-in page.
        ctx.flash(`${t('registered_login_failed')} ${error.message || ''}`.trim(), 'warn', { next: true });
        ctx.go(`#/login?username=${encodeURIComponent(values.username)}`);
        return;
      }
      showError(error);
    } finally {
      busy = false;
      submit.disabled = false;
      submit.classList.remove('is-busy');
    }
  });

  (prefill ? inputs.password : inputs.username).focus({ preventScroll: true });
}
