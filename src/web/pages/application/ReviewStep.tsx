import type { ComponentChildren } from 'preact';
import { formatRubles } from '../../../core/money';
import type { QuoteResult } from '../../../core/pricing/quote';
import type { ConsentDocument, GrantedConsent, VehicleStep } from '../../lib/api';
import { parseWholeNumber } from '../../lib/loan-choice';
import {
  EMPLOYMENT_LABELS,
  CAR_STEPS,
  type FormValues,
  type StepId,
  isEmploymentType,
} from '../../lib/questionnaire-form';
import { LoanFigures } from '../../components/LoanFigures';
import { VehicleReview } from './VehicleStep';

type ReviewStepProps = {
  applicationId: string;
  /** A car-secured loan's vehicle step (null for other products). */
  vehicle: VehicleStep | null | undefined;
  values: FormValues;
  sameAddress: boolean;
  productName: string;
  priced: QuoteResult;
  documents: readonly ConsentDocument[];
  granted: readonly GrantedConsent[];
  onEdit: (step: StepId) => void;
};

const stepShort = (id: StepId) => CAR_STEPS.find((s) => s.id === id)!.short;

const Section = ({ step, onEdit, children }: { step: StepId; onEdit: (step: StepId) => void; children: ComponentChildren }) => {
  const titleId = `review-${step}`;
  return (
    <section class="review-section" aria-labelledby={titleId} data-step={step}>
      <div class="review-head">
        <h3 id={titleId}>{stepShort(step)}</h3>
        <button type="button" class="btn btn-link review-edit" aria-label={`Изменить: ${stepShort(step)}`} onClick={() => onEdit(step)}>
          Изменить
        </button>
      </div>
      {children}
    </section>
  );
};

const Row = ({ label, value }: { label: string; value: string }) => (
  <div>
    <dt>{label}</dt>
    <dd>{value.trim() === '' ? '—' : value}</dd>
  </div>
);

/** Everything that will be sent, by step, each with a way back to change it. */
export const ReviewStep = ({ applicationId, vehicle, values: v, sameAddress, productName, priced, documents, granted, onEdit }: ReviewStepProps) => {
  const type = v['employment.type'];
  const income = parseWholeNumber(v['employment.monthlyIncome']);
  const given = documents.filter((doc) => granted.some((g) => g.kind === doc.kind && g.current));
  return (
    <>
      <p class="step-intro">Проверьте данные: после отправки изменить их будет нельзя.</p>
      <Section step="person" onEdit={onEdit}>
        <dl class="facts review-facts">
          <Row label="ФИО" value={[v.lastName, v.firstName, v.middleName].filter((part) => part.trim() !== '').join(' ')} />
          <Row label="Дата рождения" value={v.birthDate} />
          <Row label="Место рождения" value={v.birthPlace} />
        </dl>
      </Section>
      <Section step="passport" onEdit={onEdit}>
        <dl class="facts review-facts">
          <Row label="Серия и номер" value={`${v['passport.series']} ${v['passport.number']}`} />
          <Row label="Дата выдачи" value={v['passport.issuedAt']} />
          <Row label="Кем выдан" value={v['passport.issuer']} />
          <Row label="Код подразделения" value={v['passport.divisionCode']} />
        </dl>
      </Section>
      <Section step="address" onEdit={onEdit}>
        <dl class="facts review-facts">
          <Row label="Адрес регистрации" value={v.registrationAddress} />
          <Row label="Адрес проживания" value={sameAddress ? 'Совпадает с адресом регистрации' : v.actualAddress} />
        </dl>
      </Section>
      <Section step="contacts" onEdit={onEdit}>
        <dl class="facts review-facts">
          <Row label="ИНН" value={v.inn} />
          <Row label="Электронная почта" value={v.email} />
        </dl>
      </Section>
      <Section step="employment" onEdit={onEdit}>
        <dl class="facts review-facts">
          <Row label="Занятость" value={isEmploymentType(type) ? EMPLOYMENT_LABELS[type] : ''} />
          {type === 'employed' && <Row label="Место работы" value={v['employment.employer']} />}
          <Row label="Доход в месяц" value={income === null ? '' : formatRubles(income * 100)} />
          {v['employment.incomeSource'].trim() !== '' && <Row label="Источник дохода" value={v['employment.incomeSource']} />}
        </dl>
      </Section>
      <Section step="loan" onEdit={onEdit}>
        <p class="choice-product">{productName}</p>
        {priced.ok ? (
          <LoanFigures quote={priced.quote} />
        ) : (
          <p class="calc-unavailable">Этот заём сейчас не рассчитывается: выберите сумму и срок заново.</p>
        )}
      </Section>
      {vehicle && (
        <Section step="vehicle" onEdit={onEdit}>
          <VehicleReview applicationId={applicationId} step={vehicle} />
        </Section>
      )}
      <Section step="consents" onEdit={onEdit}>
        {given.length === 0 ? (
          <p class="muted">Согласия не даны.</p>
        ) : (
          <ul class="review-list">
            {given.map((doc) => (
              <li key={doc.kind}>{doc.title}</li>
            ))}
          </ul>
        )}
      </Section>
    </>
  );
};
