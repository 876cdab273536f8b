import type { TargetedEvent } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Alert } from '../../components/Alert';
import { ApiError, type Application, type ConsentDocument, type ConsentKind, api, errorMessage } from '../../lib/api';
import { formatInputNumber } from '../../lib/loan-format';
import { parseWholeNumber } from '../../lib/loan-choice';
import { usePricing } from '../../lib/pricing';
import {
  FIELD_LABELS,
  type FieldPath,
  type Step,
  type StepId,
  checkFields,
  firstIncompleteStep,
  initialSameAddress,
  initialStep,
  isShown,
  isStepId,
  missingConsents,
  questionnaireStepCount,
  stepIndex,
  stepOfPath,
  stepsFor,
  toFormValues,
} from '../../lib/questionnaire-form';
import { vehiclePathLabel, vehicleProblems } from '../../lib/vehicle-form';
import { hasNavigatedInApp, navigate, useRoute } from '../../lib/router';
import { ConsentsStep, consentCheckboxId, consentMissingMessage } from './ConsentsStep';
import { fieldId } from '../../components/fields';
import { LoanStep, safeQuote } from './LoanStep';
import { personalRateOf } from '../offers/PersonalRate';
import { AddressStep, ContactsStep, EmploymentStep, PassportStep, PersonStep, type StepFormProps } from './QuestionnaireSteps';
import { ReviewStep } from './ReviewStep';
import { type SaveState, useAutosave } from './useAutosave';
import { VehicleStep, type VehicleStepControl } from './VehicleStep';
import { focusLater } from '../../lib/focus';

type QuestionnaireProps = {
  application: Application;
  documents: ConsentDocument[];
  /** A fresher copy of the application from the server (after a save or a consent). */
  onApplication: (application: Application) => void;
  /** The application went to scoring: the page shows the decision screen. */
  onSubmitted: (application: Application) => void;
  /** The draft cannot be worked on any more (signed out, submitted in another tab, gone). */
  onGone: (error: ApiError) => void;
};

type Errors = Partial<Record<FieldPath, string>>;
type Busy = 'next' | 'submit' | null;
type SubmitProblem = { path: string; step: StepId | null; label: string; message: string };

const SAVE_FAILED = 'Не удалось сохранить анкету. Проверьте подключение к интернету и попробуйте ещё раз.';

const without = <T extends string>(errors: Partial<Record<T, string>>, paths: readonly T[]) => {
  const next = { ...errors };
  for (const path of paths) delete next[path];
  return next;
};


/**
 * The questionnaire: six steps of data (seven with the car of a car-secured loan, after the loan
 * step), the consents and the review, with the step in the address
 * (`?step=passport`) so the phone's back button goes back a step. Fields are checked by the core
 * rules as they are left and on «Далее»; everything typed is autosaved; a reopened draft continues
 * at its first incomplete step.
 */
export const Questionnaire = ({ application, documents, onApplication, onSubmitted, onGone }: QuestionnaireProps) => {
  const { id } = application;
  const pricing = usePricing();
  const route = useRoute();
  const today = pricing.today;
  const autosave = useAutosave({
    id,
    today,
    initialValues: toFormValues(application.questionnaire),
    initialLoan: { product: application.product, amount: application.amount, term: application.term },
    onSaved: onApplication,
    onGone,
  });
  const { values, loan, serverErrors } = autosave;

  const securedByCar = (productCode: string) => pricing.products.find((p) => p.code === productCode)?.collateral === 'car';
  const [cameInApp] = useState(hasNavigatedInApp);
  const [step, setStep] = useState<StepId>(() =>
    initialStep(
      route.query.get('step'),
      firstIncompleteStep(application.missing, missingConsents(documents, application.consents), application.vehicle),
      stepsFor(securedByCar(application.product)),
    ),
  );
  const [sameAddress, setSameAddress] = useState(() => initialSameAddress(autosave.values));
  const [clientErrors, setClientErrors] = useState<Errors>({});
  const [ticked, setTicked] = useState<Set<ConsentKind>>(() => new Set());
  const [consentErrors, setConsentErrors] = useState<Partial<Record<ConsentKind, string>>>({});
  const [returnToReview, setReturnToReview] = useState(false);
  const [busy, setBusy] = useState<Busy>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [submitProblems, setSubmitProblems] = useState<SubmitProblem[]>([]);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const isFirstStepRender = useRef(true);
  const vehicleControl = useRef<VehicleStepControl | null>(null);

  const product = pricing.products.find((p) => p.code === loan.product);
  // A loan secured by a car adds the vehicle step; the product chosen on the loan step decides.
  const isCar = product?.collateral === 'car';
  const steps = stepsFor(isCar);
  const index = Math.max(0, stepIndex(step, steps));
  const current = steps[index]!;
  const rate = product ? personalRateOf(application, product.code) : null;
  const priced = useMemo(
    () => safeQuote(pricing, product, loan.amount, loan.term, rate),
    [pricing, product, loan.amount, loan.term, rate?.ppm, rate?.per],
  );

  // The step in the address: written at once (replacing), so a reload or «назад» knows it.
  const stepPath = (target: StepId) => `/application/${encodeURIComponent(id)}?step=${target}`;
  useEffect(() => {
    if (route.query.get('step') !== step) navigate(stepPath(step), { replace: true });
  }, []);

  // «Назад» in the browser (or «вперёд»): show the step the address names.
  const requested = route.query.get('step');
  useEffect(() => {
    if (isStepId(requested, steps) && requested !== step) {
      void autosave.flush();
      setFormError(null);
      setReturnToReview(false);
      setStep(requested);
    }
  }, [requested]);

  // A new step: its heading takes focus (not on a fresh page load, where focus stays with the browser).
  useEffect(() => {
    const isFirst = isFirstStepRender.current;
    isFirstStepRender.current = false;
    if (isFirst && !cameInApp) return;
    const heading = headingRef.current;
    if (!heading) return;
    heading.focus({ preventScroll: true });
    document.getElementById('application-top')?.scrollIntoView();
  }, [step]);

  const goTo = (target: StepId) => {
    setFormError(null);
    setStep(target);
    navigate(stepPath(target));
  };

  /** The fields of a step the borrower sees (the actual address is hidden while it mirrors the registration). */
  const visibleFields = (target: StepId): FieldPath[] =>
    (steps.find((s) => s.id === target)?.fields ?? []).filter(
      (path) => isShown(path, autosave.getValues()) && !(path === 'actualAddress' && sameAddress),
    );

  const errorOf = (path: FieldPath): string | undefined => serverErrors[path] ?? clientErrors[path];

  const onValue = (path: FieldPath, value: string) => {
    autosave.setValue(path, value);
    if (path === 'registrationAddress' && sameAddress) autosave.setValue('actualAddress', value);
    // A field showing an error is checked again as it is typed in, so the error goes once fixed.
    if (clientErrors[path]) {
      const errors = checkFields(autosave.getValues(), today, [path], { requireFilled: true });
      setClientErrors((previous) => ({ ...without(previous, [path]), ...errors }));
    }
  };

  const onLeave = (path: FieldPath) => {
    if (path === 'employment.monthlyIncome') {
      const income = parseWholeNumber(autosave.getValues()[path]);
      if (income !== null) autosave.setValue(path, formatInputNumber(income));
    }
    const all = autosave.getValues();
    // The field just left (an empty one is not an error yet), and the ones already showing errors.
    const related: FieldPath[] = path === 'birthDate' && all['passport.issuedAt'] !== '' ? ['passport.issuedAt'] : [];
    const loose = checkFields(all, today, [path, ...related], { requireFilled: false });
    const shown = (Object.keys(clientErrors) as FieldPath[]).filter((p) => p !== path && !related.includes(p));
    const strict = checkFields(all, today, shown, { requireFilled: true });
    setClientErrors((previous) => ({ ...without(previous, [path, ...related, ...shown]), ...loose, ...strict }));
  };

  const onSameAddress = (same: boolean) => {
    setSameAddress(same);
    const registration = autosave.getValues().registrationAddress;
    if (same) {
      autosave.setValue('actualAddress', registration);
      setClientErrors((previous) => without(previous, ['actualAddress']));
    } else {
      // A blank field asks for the address; the registration one stays on the server until replaced.
      autosave.setValue('actualAddress', '');
      focusLater(fieldId('actualAddress'));
    }
  };

  /** The next step, of the product chosen now (choosing a car on the loan step adds the vehicle step after it). */
  const afterStep = (): StepId => (returnToReview ? 'review' : steps[index + 1]!.id);

  /** «Далее» on a data step: check its fields, save them, and move on only when both agree. */
  const nextFromData = async () => {
    const paths = visibleFields(step);
    const errors = checkFields(autosave.getValues(), today, paths, { requireFilled: true });
    setClientErrors((previous) => ({ ...without(previous, paths), ...errors }));
    setBusy('next');
    const saved = await autosave.flush();
    setBusy(null);
    const invalid = paths.find((path) => errors[path] ?? saved.errors[path]);
    if (invalid) {
      focusLater(fieldId(invalid));
      return;
    }
    if (step === 'loan') {
      const loanProblem = (['amount', 'term', 'product', 'date'] as const).find((key) => saved.errors[key]);
      if (loanProblem || !priced.ok) {
        focusLater(loanProblem === 'term' ? 'loan-term' : 'loan-amount');
        return;
      }
    }
    if (!saved.ok) {
      setFormError(SAVE_FAILED);
      return;
    }
    setReturnToReview(false);
    goTo(afterStep());
  };

  /** «Далее» on the vehicle step: the car's data saved and every photo there (the step itself says what is not). */
  const nextFromVehicle = async () => {
    setFormError(null);
    setBusy('next');
    const isDone = (await vehicleControl.current?.finish()) ?? false;
    setBusy(null);
    if (!isDone) return;
    setReturnToReview(false);
    goTo(afterStep());
  };

  /** «Далее» on the consents: every required one ticked, then granted on the server (time, IP, text version). */
  const nextFromConsents = async () => {
    const given = new Set(application.consents.filter((c) => c.current).map((c) => c.kind));
    const missing = documents.filter((doc) => doc.required && !given.has(doc.kind) && !ticked.has(doc.kind));
    setConsentErrors(Object.fromEntries(missing.map((doc) => [doc.kind, consentMissingMessage(doc)])));
    if (missing.length > 0) {
      focusLater(consentCheckboxId(missing[0]!.kind));
      return;
    }
    const kinds = [...ticked].filter((kind) => !given.has(kind));
    if (kinds.length > 0) {
      setBusy('next');
      try {
        onApplication(await api.grantConsents(id, kinds));
      } catch (error) {
        setBusy(null);
        if (error instanceof ApiError && (error.status === 401 || error.status === 404 || error.status === 409)) onGone(error);
        else setFormError(errorMessage(error));
        return;
      }
      setBusy(null);
    }
    setReturnToReview(false);
    goTo('review');
  };

  const submit = async () => {
    setFormError(null);
    setSubmitProblems([]);
    setBusy('submit');
    const saved = await autosave.flush();
    if (!saved.ok) {
      setBusy(null);
      setFormError(SAVE_FAILED);
      return;
    }
    // The server would refuse a car loan without its car: say what is missing without asking it.
    const vehicle = isCar ? application.vehicle : null;
    if (vehicle && !vehicle.complete) {
      setBusy(null);
      const problems = vehicleProblems(vehicle.missing);
      showSubmitProblems(
        'Заявку пока нельзя отправить: нужны данные автомобиля и все фото.',
        Object.fromEntries(problems.map((problem) => [problem.path, problem.message])),
      );
      return;
    }
    try {
      const submitted = await api.submitApplication(id);
      onSubmitted(submitted);
    } catch (error) {
      setBusy(null);
      if (error instanceof ApiError && error.status === 409 && error.fields) {
        showSubmitProblems(error.message, error.fields);
      } else if (error instanceof ApiError && (error.status === 401 || error.status === 404 || error.status === 409)) {
        onGone(error);
      } else {
        setFormError(errorMessage(error));
      }
    }
  };

  /** The server refused the submit: each problem next to its field, and a list here with a way to each. */
  const showSubmitProblems = (message: string, fields: Record<string, string>) => {
    const consentProblems: Partial<Record<ConsentKind, string>> = {};
    const fieldProblems: Record<string, string> = {};
    const problems: SubmitProblem[] = [];
    for (const [path, text] of Object.entries(fields)) {
      const target = stepOfPath(path);
      if (path.startsWith('consents.')) {
        const kind = path.slice('consents.'.length) as ConsentKind;
        consentProblems[kind] = text;
        problems.push({ path, step: 'consents', label: documents.find((d) => d.kind === kind)?.title ?? 'Согласие', message: text });
        continue;
      }
      fieldProblems[path] = text;
      const label =
        vehiclePathLabel(path) ??
        (path in FIELD_LABELS ? FIELD_LABELS[path as FieldPath] : path === 'amount' ? 'Сумма' : path === 'term' ? 'Срок' : 'Заём');
      problems.push({ path, step: target, label, message: text });
    }
    autosave.addServerErrors(fieldProblems);
    setConsentErrors(consentProblems);
    problems.sort((a, b) => stepIndex(a.step ?? 'review', steps) - stepIndex(b.step ?? 'review', steps));
    setSubmitProblems(problems);
    setFormError(message);
    focusLater('submit-problems');
  };

  const edit = (target: StepId) => {
    setReturnToReview(true);
    goTo(target);
  };

  const onSubmitForm = (event: TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    if (step === 'consents') void nextFromConsents();
    else if (step === 'vehicle') void nextFromVehicle();
    else if (step === 'review') void submit();
    else void nextFromData();
  };

  const back = () => {
    if (index === 0) return;
    void autosave.flush();
    if (step === 'vehicle') void vehicleControl.current?.saveQuietly();
    setReturnToReview(false);
    goTo(steps[index - 1]!.id);
  };

  const formProps: StepFormProps = { values, errorOf, onValue, onLeave };
  const primaryLabel =
    busy === 'submit'
      ? 'Отправляем…'
      : busy === 'next'
        ? 'Сохраняем…'
        : step === 'review'
          ? 'Отправить заявку'
          : returnToReview
            ? 'Сохранить и вернуться к проверке'
            : 'Далее';

  return (
    <>
      <Progress steps={steps} step={step} saveState={autosave.state} />
      <form class="card step-card" noValidate onSubmit={onSubmitForm} aria-labelledby="step-title" aria-busy={busy !== null}>
        <h2 id="step-title" class="step-title" tabindex={-1} ref={headingRef}>
          {current.title}
        </h2>

        {step === 'person' && <PersonStep {...formProps} />}
        {step === 'passport' && <PassportStep {...formProps} />}
        {step === 'address' && <AddressStep {...formProps} sameAddress={sameAddress} onSameAddress={onSameAddress} />}
        {step === 'contacts' && <ContactsStep {...formProps} />}
        {step === 'employment' && <EmploymentStep {...formProps} />}
        {step === 'loan' && (
          <LoanStep
            pricing={pricing}
            loan={loan}
            onLoan={autosave.setLoan}
            serverErrors={serverErrors}
            application={application}
            onApplication={onApplication}
          />
        )}
        {step === 'vehicle' && (
          <VehicleStep
            applicationId={id}
            step={application.vehicle}
            currentYear={Number(today.slice(0, 4))}
            onStep={(vehicle) => onApplication({ ...application, vehicle })}
            onGone={onGone}
            control={vehicleControl}
          />
        )}
        {step === 'consents' && (
          <ConsentsStep
            documents={documents}
            granted={application.consents}
            ticked={ticked}
            errors={consentErrors}
            onTick={(kind, checked) => {
              setTicked((previous) => {
                const next = new Set(previous);
                if (checked) next.add(kind);
                else next.delete(kind);
                return next;
              });
              if (checked) setConsentErrors((previous) => without(previous, [kind]));
            }}
          />
        )}
        {step === 'review' && (
          <ReviewStep
            applicationId={id}
            vehicle={isCar ? application.vehicle : null}
            values={values}
            sameAddress={sameAddress}
            productName={product?.name ?? loan.product}
            priced={priced}
            documents={documents}
            granted={application.consents}
            onEdit={edit}
          />
        )}

        <Alert message={formError}>
          {submitProblems.length > 0 && (
            <ul class="problem-list" id="submit-problems" tabindex={-1}>
              {submitProblems.map((problem) => (
                <li key={problem.path}>
                  <span>
                    {problem.label}: {problem.message}
                  </span>
                  {problem.step && (
                    <button type="button" class="btn btn-link" aria-label={`Исправить: ${problem.label}`} onClick={() => edit(problem.step!)}>
                      Исправить
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </Alert>

        {step === 'review' && (
          <p class="muted small submit-note">
            Решение придёт через несколько секунд — на этой странице и по SMS. Отправка заявки ни к чему не обязывает: договор
            подписывается отдельно.
          </p>
        )}

        {step === 'review' ? (
          // The one button that matters here gets the whole width; «Назад» goes below it.
          <div class="step-actions step-actions-single">
            <button type="submit" class="btn btn-primary btn-large" disabled={busy !== null}>
              {primaryLabel}
            </button>
            <button type="button" class="btn btn-secondary" onClick={back} disabled={busy !== null}>
              Назад
            </button>
          </div>
        ) : (
          <div class={index > 0 && !returnToReview ? 'step-actions' : 'step-actions step-actions-single'}>
            {index > 0 && !returnToReview && (
              <button type="button" class="btn btn-secondary" onClick={back} disabled={busy !== null}>
                Назад
              </button>
            )}
            <button type="submit" class="btn btn-primary" disabled={busy !== null}>
              {primaryLabel}
            </button>
          </div>
        )}
      </form>
    </>
  );
};

const SAVE_LABELS: Record<SaveState, string> = {
  idle: 'Данные сохраняются автоматически',
  saving: 'Сохраняем…',
  saved: 'Сохранено',
  failed: 'Не удалось сохранить — повторим через несколько секунд',
};

/** «Шаг 2 из 6» (of 7 with the car) with a bar of all the stages; the current one is `aria-current="step"`. */
const Progress = ({ steps, step, saveState }: { steps: readonly Step[]; step: StepId; saveState: SaveState }) => {
  const index = Math.max(0, stepIndex(step, steps));
  const current = steps[index]!;
  const count = questionnaireStepCount(steps);
  const counter = index < count ? `Шаг ${index + 1} из ${count}` : step === 'consents' ? 'Почти готово' : 'Последний шаг';
  return (
    <div class="progress">
      <p class="progress-label" id="progress-label">
        <strong>{counter}</strong>
        <span aria-hidden="true"> · </span>
        <span class="sr-only">: </span>
        {current.short}
      </p>
      <ol class="progress-bar" aria-label="Этапы заявки">
        {steps.map((s, i) => (
          <li
            key={s.id}
            class={i < index ? 'progress-done' : i === index ? 'progress-current' : undefined}
            aria-current={i === index ? 'step' : undefined}
          >
            <span class="sr-only">
              {s.short}
              {i < index ? ' — пройден' : i === index ? ' — текущий' : ''}
            </span>
          </li>
        ))}
      </ol>
      <p class={saveState === 'failed' ? 'save-status save-status-failed' : 'save-status'} data-state={saveState}>
        {SAVE_LABELS[saveState]}
      </p>
    </div>
  );
};
