import { moscowDate } from '../../../core/dates';
import type { ConsentDocument, ConsentKind, GrantedConsent } from '../../lib/api';
import { formatDate } from '../../lib/loan-format';
import { Checkbox } from '../../components/fields';

export const consentCheckboxId = (kind: ConsentKind): string => `consent-${kind}`;

/** The server's words for a required consent not given (its submit answer says the same). */
export const consentMissingMessage = (doc: ConsentDocument): string => `Нужно согласие: «${doc.title}».`;

type ConsentsStepProps = {
  documents: readonly ConsentDocument[];
  granted: readonly GrantedConsent[];
  ticked: ReadonlySet<ConsentKind>;
  errors: Partial<Record<ConsentKind, string>>;
  onTick: (kind: ConsentKind, checked: boolean) => void;
};

/**
 * Each consent as a separate document (152-ФЗ as amended from 2025-09-01, DOMAIN R16–R18): its
 * full text in a scrollable region, and its own checkbox, unticked until the borrower ticks it.
 * A consent already given for the current text shows as given.
 */
export const ConsentsStep = ({ documents, granted, ticked, errors, onTick }: ConsentsStepProps) => (
  <>
    <p class="step-intro">
      Прочитайте документы и отметьте каждый, с которым согласны. Без обязательных согласий заявку рассмотреть нельзя.
    </p>
    {documents.map((doc) => {
      const id = consentCheckboxId(doc.kind);
      const given = granted.find((g) => g.kind === doc.kind && g.current);
      const error = errors[doc.kind];
      const titleId = `${id}-title`;
      const noteId = given ? `${id}-given` : '';
      const errorId = error ? `${id}-error` : '';
      return (
        <section key={doc.kind} class="consent" aria-labelledby={titleId} data-kind={doc.kind}>
          <h3 id={titleId}>{doc.title}</h3>
          <p class={doc.required ? 'consent-tag' : 'consent-tag consent-tag-optional'}>
            {doc.required ? 'Обязательно для заявки' : 'Необязательно: на решение и условия займа не влияет'}
          </p>
          <div class="consent-text" tabindex={0} role="region" aria-label={`Текст документа: ${doc.title}`}>
            {doc.text.split(/\n{2,}/).map((paragraph, index) => (
              <p key={index}>{paragraph}</p>
            ))}
          </div>
          <Checkbox
            id={id}
            checked={Boolean(given) || ticked.has(doc.kind)}
            disabled={Boolean(given)}
            describedBy={[noteId, errorId].filter(Boolean).join(' ') || undefined}
            invalid={Boolean(error)}
            onChange={(checked) => onTick(doc.kind, checked)}
          >
            {doc.kind === 'simple_signature' ? 'Принимаю соглашение' : 'Даю согласие'}
            <span class="sr-only">: {doc.title}</span>
            {!doc.required && <span class="optional"> (необязательно)</span>}
          </Checkbox>
          {given && (
            <p id={noteId} class="muted small">
              {doc.kind === 'simple_signature' ? 'Соглашение принято' : 'Согласие дано'} {formatDate(moscowDate(new Date(given.grantedAt)))}.
            </p>
          )}
          {error && (
            <p id={errorId} class="field-error">
              {error}
            </p>
          )}
        </section>
      );
    })}
  </>
);
