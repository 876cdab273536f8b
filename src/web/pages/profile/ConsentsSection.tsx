/**
 * «Согласия» in the profile: every consent the customer gave (withdrawn ones too), with the
 * version of the text, when it was given and where, and the exact text of that version on demand.
 * The optional marketing consent is withdrawn or given again here, each after a confirmation; the
 * required ones end only with the account or through support (the server refuses them with 409).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { Alert } from '../../components/Alert';
import { LoadStatus } from '../../components/LoadStatus';
import { api, errorMessage, type ConsentDocument } from '../../lib/api';
import { formatMoscowDateTime } from '../../lib/loan-format';
import { Link } from '../../lib/router';
import { profileApi, type ConsentItem, type Consents } from './profile-api';

type Load = { kind: 'loading' } | { kind: 'failed'; message: string } | { kind: 'ready'; value: Consents };
type TextLoad = { kind: 'loading' } | { kind: 'failed'; message: string } | { kind: 'ready'; text: string };
type Step = { kind: 'idle' } | { kind: 'withdraw' } | { kind: 'give'; document: ConsentDocument | null };

const paragraphs = (text: string) => text.split(/\n{2,}/).map((paragraph, index) => <p key={index}>{paragraph}</p>);

export const ConsentsSection = ({ onUnauthorized }: { onUnauthorized: (failure: unknown) => boolean }) => {
  const [load, setLoad] = useState<Load>({ kind: 'loading' });
  const [round, setRound] = useState(0);
  const [step, setStep] = useState<Step>({ kind: 'idle' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const question = useRef<HTMLParagraphElement>(null);
  const noticeRef = useRef<HTMLParagraphElement>(null);

  useEffect(() => {
    let active = true;
    setLoad({ kind: 'loading' });
    profileApi
      .consents()
      .then((value) => active && setLoad({ kind: 'ready', value }))
      .catch((failure: unknown) => {
        if (active && !onUnauthorized(failure)) setLoad({ kind: 'failed', message: errorMessage(failure) });
      });
    return () => {
      active = false;
    };
  }, [round]);

  const ask = async (kind: 'withdraw' | 'give') => {
    setError(null);
    setNotice(null);
    if (kind === 'withdraw') setStep({ kind: 'withdraw' });
    else {
      // The text being agreed to is shown before the button; without it the button still works.
      const documents = await api.consentDocuments().catch(() => []);
      setStep({ kind: 'give', document: documents.find((d) => d.kind === 'marketing') ?? null });
    }
    window.requestAnimationFrame(() => question.current?.focus());
  };

  const change = async (kind: 'withdraw' | 'give') => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const value = kind === 'withdraw' ? await profileApi.withdrawMarketing() : await profileApi.giveMarketing();
      setLoad({ kind: 'ready', value });
      setStep({ kind: 'idle' });
      setNotice(kind === 'withdraw' ? 'Согласие на рекламу отозвано. Предложения и акции мы больше не присылаем.' : 'Согласие на рекламу дано.');
      window.requestAnimationFrame(() => noticeRef.current?.focus());
    } catch (failure) {
      if (!onUnauthorized(failure)) setError(errorMessage(failure));
    } finally {
      setBusy(false);
    }
  };

  const consents = load.kind === 'ready' ? load.value : null;

  return (
    <section class="card" aria-labelledby="consents-title" data-testid="consents-section">
      <h2 id="consents-title">Согласия</h2>
      <p class="muted">Все согласия, которые вы давали: редакция текста, дата и где оно дано. Текст каждой редакции можно открыть.</p>
      <LoadStatus state={load} onRetry={() => setRound((n) => n + 1)} loadingText="Загружаем согласия…" />
      <Alert message={error} />
      {notice && (
        <p role="status" class="profile-notice" tabIndex={-1} ref={noticeRef}>
          {notice}
        </p>
      )}
      {consents && (
        <>
          <div data-testid="marketing-consent">
            <h3 class="profile-title">Реклама и персональные предложения</h3>
            <p class="muted">
              {consents.marketing.given
                ? 'Согласие действует: мы можем присылать предложения и акции по SMS и почте. Отзыв не меняет условия ваших займов.'
                : 'Согласия нет: рекламу и предложения мы не присылаем. Согласие необязательно.'}
            </p>
            {step.kind === 'idle' && (
              <button type="button" class="btn btn-secondary btn-block" onClick={() => void ask(consents.marketing.given ? 'withdraw' : 'give')}>
                {consents.marketing.given ? 'Отозвать согласие на рекламу' : 'Дать согласие на рекламу'}
              </button>
            )}
            {step.kind === 'withdraw' && (
              <div class="profile-confirm">
                <p ref={question} tabIndex={-1}>
                  <strong>Отозвать согласие на рекламу?</strong> Мы перестанем присылать предложения и акции.
                </p>
                <button type="button" class="btn btn-primary btn-block" disabled={busy} onClick={() => void change('withdraw')}>
                  {busy ? 'Отзываем…' : 'Да, отозвать'}
                </button>
                <button type="button" class="btn btn-secondary btn-block" disabled={busy} onClick={() => setStep({ kind: 'idle' })}>
                  Отмена
                </button>
              </div>
            )}
            {step.kind === 'give' && (
              <div class="profile-confirm">
                <p ref={question} tabIndex={-1}>
                  <strong>Дать согласие на рекламу?</strong> Прочитайте текст согласия.
                </p>
                {step.document && (
                  <div class="profile-consent-text" tabIndex={0} role="region" aria-label={`Текст документа: ${step.document.title}`}>
                    {paragraphs(step.document.text)}
                  </div>
                )}
                <button type="button" class="btn btn-primary btn-block" disabled={busy} onClick={() => void change('give')}>
                  {busy ? 'Сохраняем…' : 'Даю согласие'}
                </button>
                <button type="button" class="btn btn-secondary btn-block" disabled={busy} onClick={() => setStep({ kind: 'idle' })}>
                  Отмена
                </button>
              </div>
            )}
          </div>
          {consents.items.length === 0 ? (
            <p class="empty">Вы ещё не давали согласий</p>
          ) : (
            <ul class="item-list" data-testid="consents">
              {consents.items.map((item) => (
                <ConsentRow key={item.id} item={item} onUnauthorized={onUnauthorized} />
              ))}
            </ul>
          )}
          <p class="muted small">
            Обязательные согласия нужны, пока у вас есть аккаунт и займы. Отозвать их можно, удалив аккаунт, или через обращение в{' '}
            <Link href="/support">поддержку</Link>.
          </p>
        </>
      )}
    </section>
  );
};

/** Texts already fetched, by version: the same version is never fetched twice. */
const texts = new Map<string, string>();

const ConsentRow = ({ item, onUnauthorized }: { item: ConsentItem; onUnauthorized: (failure: unknown) => boolean }) => {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState<TextLoad>({ kind: 'loading' });
  const regionId = `consent-text-${item.id}`;

  const fetchText = () => {
    const known = texts.get(item.version);
    if (known !== undefined) {
      setText({ kind: 'ready', text: known });
      return;
    }
    setText({ kind: 'loading' });
    profileApi
      .consentText(item.documentUrl)
      .then((reply) => {
        texts.set(item.version, reply.text);
        setText({ kind: 'ready', text: reply.text });
      })
      .catch((failure: unknown) => {
        if (!onUnauthorized(failure)) setText({ kind: 'failed', message: errorMessage(failure) });
      });
  };

  const toggle = () => {
    if (!open) fetchText();
    setOpen(!open);
  };

  const withdrawn = item.withdrawnAt !== null;
  return (
    <li class="list-item" data-kind={item.kind} data-id={item.id} data-withdrawn={withdrawn ? 'true' : 'false'}>
      <div class="list-item-head">
        <span class={`badge ${withdrawn ? 'badge-muted' : 'badge-success'}`}>{withdrawn ? 'Отозвано' : 'Действует'}</span>
        <span class="muted small">{item.required ? 'Обязательное' : 'Необязательное'}</span>
      </div>
      <p class="profile-title">{item.title}</p>
      <dl class="facts profile-facts">
        <div>
          <dt>Дано:</dt>
          <dd>{formatMoscowDateTime(item.grantedAt)}</dd>
        </div>
        {item.withdrawnAt && (
          <div>
            <dt>Отозвано:</dt>
            <dd>{formatMoscowDateTime(item.withdrawnAt)}</dd>
          </div>
        )}
        <div>
          <dt>Редакция:</dt>
          <dd>
            <span class="profile-version">{item.version}</span>
            {item.currentVersion ? '' : ' (прежняя)'}
          </dd>
        </div>
        <div>
          <dt>Где дано:</dt>
          <dd>{item.applicationId ? <Link href={`/application/${item.applicationId}`}>в заявке на заём</Link> : 'в профиле'}</dd>
        </div>
      </dl>
      <button type="button" class="btn btn-secondary btn-block" aria-expanded={open ? 'true' : 'false'} aria-controls={regionId} onClick={toggle}>
        {open ? 'Скрыть текст' : 'Открыть текст'}
        <span class="sr-only">: {item.title}</span>
      </button>
      <div id={regionId} hidden={!open}>
        {open && text.kind === 'loading' && (
          <p class="muted" role="status">
            Загружаем текст…
          </p>
        )}
        {open && text.kind === 'failed' && (
          <Alert message={text.message}>
            <button type="button" class="btn btn-secondary" onClick={fetchText}>
              Повторить
            </button>
          </Alert>
        )}
        {open && text.kind === 'ready' && (
          <div class="profile-consent-text" tabIndex={0} role="region" aria-label={`Текст документа: ${item.title}, редакция ${item.version}`}>
            {paragraphs(text.text)}
          </div>
        )}
      </div>
    </li>
  );
};
