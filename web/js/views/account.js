// The account: profile and today's usage, the export of everything as a JSON file, and
// deleting the account (password, then a confirmation step).
import { api, ApiError, NetworkError } from '../api.js';
import { session, drafts } from '../store.js';
import { t } from '../i18n.js';
import { h, icon, field, setFieldError, clearFieldErrors, confirmDialog, formatDate, formatTime, formatDuration, notice } from '../ui.js';

export async function render(root, _params, ctx) {
  ctx.setTitle(t('account_title'));
  root.append(h('section', { class: 'page-head' }, h('h1', {}, t('account_title')), h('p', { class: 'lead' }, t('account_lead'))));
  const profileCard = h('section', { class: 'card', 'aria-labelledby': 'profile-title', 'data-testid': 'profile' },
    h('h2', { id: 'profile-title' }, t('profile_title')), h('p', { class: 'muted' }, t('loading')));
  root.append(profileCard);

  // -- export -------------------------------------------------------------------------
  const exportStatus = h('div', { class: 'export-status', 'aria-live': 'polite', 'data-testid': 'export-status' });
  const exportButton = h('button', { type: 'button', class: 'btn btn-secondary', 'data-testid': 'export-button' }, icon('download'), h('span', {}, t('export_button')));
  exportButton.addEventListener('click', async () => {
    if (exportButton.disabled) return;
    exportButton.disabled = true;
    exportButton.classList.add('is-busy');
    exportStatus.replaceChildren(h('p', { class: 'muted' }, t('export_preparing')));
    try {
      const { data } = await api('GET', '/api/user/export/', { timeoutMs: 120000 });
      if (data.download_url) {
        // Too big to answer inline: the API stored it and gave a short-lived link.
        const link = h('a', { href: data.download_url, 'data-testid': 'export-link', rel: 'noopener' }, t('export_link'));
        exportStatus.replaceChildren(notice('ok', t('export_big', { size: formatBytes(data.size_bytes), time: formatTime(data.download_expires_at) }), ' ', link));
        window.location.assign(data.download_url);
      } else {
        const text = JSON.stringify(data, null, 2);
        const blob = new Blob([text], { type: 'application/json' });
        const url = URL.createObjectURL(blob);
        const day = (data.exported_at || new Date().toISOString()).slice(0, 10);
        const name = `mock-interviewer-${(data.account && data.account.username) || 'export'}-${day}.json`;
        const a = h('a', { href: url, download: name, hidden: true });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 60000);
        exportStatus.replaceChildren(notice('ok', t('export_done', { name, size: formatBytes(blob.size) })));
      }
    } catch (error) {
      if (!ctx.alive() || error.handled) return;
      exportStatus.replaceChildren(notice('error', error.message || t('err_generic')));
    } finally {
      exportButton.disabled = false;
      exportButton.classList.remove('is-busy');
    }
  });
  root.append(h('section', { class: 'card', 'aria-labelledby': 'export-title', 'data-testid': 'export-card' },
    h('h2', { id: 'export-title' }, t('export_title')),
    h('p', {}, t('export_body')),
    h('div', { class: 'form-actions' }, exportButton),
    exportStatus));

  // -- delete the account ---------------------------------------------------------------
  const password = h('input', { type: 'password', autocomplete: 'current-password', 'data-testid': 'delete-password' });
  const deleteError = h('div', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'delete-error' });
  const deleteButton = h('button', { type: 'submit', class: 'btn btn-danger', 'data-testid': 'delete-account-button' }, icon('trash'), h('span', {}, t('delete_account_button')));
  const deleteForm = h('form', { class: 'danger-form', novalidate: true, 'data-testid': 'delete-account-form' },
    field({ name: 'password', label: t('delete_password_label'), input: password, hint: t('delete_password_hint') }),
    deleteError,
    h('div', { class: 'form-actions' }, deleteButton));
  root.append(h('section', { class: 'card danger-card', 'aria-labelledby': 'danger-title' },
    h('h2', { id: 'danger-title' }, t('delete_account_title')),
    h('p', {}, t('delete_account_body')),
    deleteForm));

  let finishing = false; // the account is closed; the same request again finishes the deletion
  async function sendDelete() {
    const body = finishing ? { password: password.value || '-' } : { password: password.value };
    await api('DELETE', '/api/user/me/', { body, timeoutMs: 120000 });
  }

  function deleted() {
    Object.keys(localStorage).filter((k) => k.startsWith('mi.draft.')).forEach((k) => drafts.clear(k.slice('mi.draft.'.length)));
    session.clear();
    ctx.flash(t('account_deleted'), 'ok', { next: true });
    ctx.go('#/register');
  }

  deleteForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(deleteForm);
    deleteError.hidden = true;
    if (!finishing && !password.value) {
      setFieldError(deleteForm, 'password', t('delete_password_required'));
      password.focus();
      return;
    }
    let refused = null;
    const ok = await confirmDialog({
      title: t('delete_confirm_title'),
      message: finishing ? t('delete_finish_body') : t('delete_confirm_body'),
      confirmLabel: finishing ? t('finish_delete') : t('delete_confirm_button'),
      danger: true,
      testid: 'delete-account-dialog',
      onConfirm: async () => {
        try {
          await sendDelete();
        } catch (error) {
          if (error instanceof ApiError && error.status === 503) finishing = true; // closed; asking again finishes it
          else if (error instanceof ApiError) { refused = error; error.closeDialog = true; }
          throw error;
        }
      },
    });
    if (ok) { deleted(); return; }
    if (!ctx.alive()) return;
    if (refused) {
      const text = refused.status === 429 && refused.retryAfter
        ? `${refused.message} ${t('try_again_in', { wait: formatDuration(refused.retryAfter) })}` : refused.message;
      if (refused.status === 403 || refused.status === 400) { setFieldError(deleteForm, 'password', text); password.focus(); }
      else { deleteError.textContent = text; deleteError.hidden = false; }
    } else if (finishing) {
      deleteError.textContent = t('delete_unfinished');
      deleteError.hidden = false;
      deleteButton.lastChild.textContent = t('finish_delete');
    }
  });

  // -- profile --------------------------------------------------------------------------
  try {
    const me = await ctx.refreshQuota();
    if (!me) throw new Error(t('err_generic'));
    if (!ctx.alive()) return undefined;
    const resetsIn = (Date.parse(me.resets_at) - Date.now()) / 1000;
    const row = (label, value, testid) => h('div', { class: 'dl-row' }, h('dt', {}, label), h('dd', { 'data-testid': testid }, value));
    profileCard.replaceChildren(
      h('h2', { id: 'profile-title' }, t('profile_title')),
      h('dl', { class: 'dl' },
        row(t('username'), me.username, 'profile-username'),
        row(t('email'), me.email, 'profile-email'),
        row(t('member_since'), formatDate(me.created_at, false), 'profile-created'),
        row(t('daily_limit'), t('chats_per_day', { n: me.daily_limit }), 'profile-limit'),
        row(t('used_today'), t('used_of', { count: me.count, limit: me.limit }), 'profile-used'),
        row(t('remaining_today'), String(me.remaining), 'profile-remaining'),
        row(t('resets_at'), `${formatTime(me.resets_at)} (${t('in_wait', { wait: formatDuration(resetsIn) })})`, 'profile-resets'),
        me.tokens_today ? row(t('tokens_today'), t('tokens_value', { in: me.tokens_today.in, out: me.tokens_today.out }), 'profile-tokens') : null));
  } catch (error) {
    if (!ctx.alive() || error.handled) return undefined;
    profileCard.replaceChildren(h('h2', { id: 'profile-title' }, t('profile_title')),
      notice('error', error instanceof NetworkError ? t('err_network') : error.message));
  }
  return undefined;
}

function formatBytes(bytes) {
  const n = Number(bytes) || 0;
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
