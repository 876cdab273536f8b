import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, type Application, type LoanFields } from '../../lib/api';
import { FIELD_PATHS, buildPatch, type FieldPath, type FormValues } from '../../lib/questionnaire-form';

/** Typing pauses this long before the draft is saved. */
export const AUTOSAVE_DELAY_MS = 800;
/** After a network failure, the next try. */
const RETRY_DELAY_MS = 5000;

const LOAN_KEYS = ['product', 'amount', 'term'] as const;

export type SaveState = 'idle' | 'saving' | 'saved' | 'failed';

export type SaveResult = {
  /** False when the server could not be reached (or the draft is gone); true otherwise. */
  ok: boolean;
  /** The server's messages for fields it refused, by path (`passport.series`, `amount`). */
  errors: Record<string, string>;
};

type Options = {
  id: string;
  /** The application date (Moscow) the core rules check against. */
  today: string;
  initialValues: FormValues;
  initialLoan: LoanFields;
  onSaved: (application: Application) => void;
  /** The draft cannot be changed any more (signed out, submitted elsewhere, not found). */
  onGone: (error: ApiError) => void;
};

const sameLoan = (a: LoanFields, b: LoanFields) => a.product === b.product && a.amount === b.amount && a.term === b.term;

/**
 * The questionnaire's autosave. Every change is saved after a pause in typing (and at once by
 * `flush`, on «Далее» and when the tab is hidden), one request at a time, with only the changed
 * fields that pass the core rules, so a half-typed field never holds back the others. A field the
 * server refuses keeps the server's message and is not sent again until it changes.
 */
export const useAutosave = (options: Options) => {
  const opts = useRef(options);
  opts.current = options;
  const live = useRef({ values: options.initialValues, loan: options.initialLoan });
  const saved = useRef({ values: { ...options.initialValues }, loan: { ...options.initialLoan } });
  /** Path → the text the server refused (sent again only once it differs). */
  const rejected = useRef<Partial<Record<FieldPath, string>>>({});
  const rejectedLoan = useRef<LoanFields | null>(null);
  const serverErrorsRef = useRef<Record<string, string>>({});
  const [serverErrors, setServerErrorsState] = useState<Record<string, string>>({});
  const [values, setValuesState] = useState(options.initialValues);
  const [loan, setLoanState] = useState(options.initialLoan);
  const [state, setState] = useState<SaveState>('idle');
  const timer = useRef<number | undefined>(undefined);
  const chain = useRef<Promise<SaveResult & { refused: boolean }>>(Promise.resolve({ ok: true, errors: {}, refused: false }));
  const isMounted = useRef(true);

  const setServerErrors = (next: Record<string, string>) => {
    serverErrorsRef.current = next;
    if (isMounted.current) setServerErrorsState(next);
  };

  const dropServerErrors = (paths: readonly string[]) => {
    if (!paths.some((path) => path in serverErrorsRef.current)) return;
    const next = { ...serverErrorsRef.current };
    for (const path of paths) delete next[path];
    setServerErrors(next);
  };

  const runSave = async (): Promise<SaveResult & { refused: boolean }> => {
    const { values: current, loan: currentLoan } = live.current;
    const dirty = FIELD_PATHS.filter((path) => current[path] !== saved.current.values[path] && rejected.current[path] !== current[path]);
    const { patch, sent } = buildPatch(current, opts.current.today, dirty);
    const isLoanDirty =
      !sameLoan(currentLoan, saved.current.loan) && !(rejectedLoan.current && sameLoan(rejectedLoan.current, currentLoan));
    if (sent.length === 0 && !isLoanDirty) return { ok: true, errors: serverErrorsRef.current, refused: false };

    if (isMounted.current) setState('saving');
    try {
      // Product, amount and term go together: the server prices the three as one.
      const application = await api.updateApplication(opts.current.id, isLoanDirty ? { ...patch, ...currentLoan } : patch);
      for (const path of sent) saved.current.values[path] = current[path];
      if (isLoanDirty) saved.current.loan = currentLoan;
      dropServerErrors([...sent, ...(isLoanDirty ? [...LOAN_KEYS, 'date'] : [])]);
      if (isMounted.current) {
        setState('saved');
        opts.current.onSaved(application);
      }
      return { ok: true, errors: serverErrorsRef.current, refused: false };
    } catch (error) {
      if (error instanceof ApiError && error.code === 'validation_failed' && error.fields) {
        const fields = error.fields;
        let refused = false;
        for (const path of sent) {
          if (fields[path]) {
            rejected.current[path] = current[path];
            refused = true;
          }
        }
        if (isLoanDirty && LOAN_KEYS.some((key) => fields[key])) {
          rejectedLoan.current = currentLoan;
          refused = true;
        }
        setServerErrors({ ...serverErrorsRef.current, ...fields });
        if (isMounted.current) setState('idle');
        return { ok: true, errors: serverErrorsRef.current, refused };
      }
      if (error instanceof ApiError && (error.status === 401 || error.status === 404 || error.status === 409)) {
        if (isMounted.current) opts.current.onGone(error);
        return { ok: false, errors: serverErrorsRef.current, refused: false };
      }
      if (isMounted.current) {
        setState('failed');
        schedule(RETRY_DELAY_MS);
      }
      return { ok: false, errors: serverErrorsRef.current, refused: false };
    }
  };

  const enqueue = () => {
    chain.current = chain.current.then(runSave, runSave);
    return chain.current;
  };

  /** Saves now (after any save in flight); a refused field does not hold back the rest. */
  const flush = async (): Promise<SaveResult> => {
    window.clearTimeout(timer.current);
    let result = await enqueue();
    // The whole patch was refused for one field: the others go again without it.
    if (result.refused) result = await enqueue();
    return { ok: result.ok, errors: result.errors };
  };

  function schedule(delay: number) {
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => void flush(), delay);
  }

  const setValue = (path: FieldPath, value: string) => {
    if (live.current.values[path] === value) return;
    live.current = { ...live.current, values: { ...live.current.values, [path]: value } };
    setValuesState(live.current.values);
    // The issue date is checked against the birth date: a new birth date may make it acceptable.
    if (path === 'birthDate') delete rejected.current['passport.issuedAt'];
    // The server's message was about the old text.
    dropServerErrors(path === 'birthDate' ? [path, 'passport.issuedAt'] : [path]);
    schedule(AUTOSAVE_DELAY_MS);
  };

  const setLoan = (next: LoanFields) => {
    if (sameLoan(live.current.loan, next)) return;
    live.current = { ...live.current, loan: next };
    setLoanState(next);
    dropServerErrors([...LOAN_KEYS, 'date']);
    schedule(AUTOSAVE_DELAY_MS);
  };

  /** Marks a field as the server's problem (the submit's answer) until it changes. */
  const addServerErrors = (fields: Record<string, string>) => setServerErrors({ ...serverErrorsRef.current, ...fields });

  useEffect(() => {
    // A phone locks or switches apps without warning: save what is typed when the tab is hidden.
    const onHide = () => {
      if (document.visibilityState === 'hidden') void flush();
    };
    document.addEventListener('visibilitychange', onHide);
    return () => {
      document.removeEventListener('visibilitychange', onHide);
      isMounted.current = false;
      // Leaving the page in-app (the header link): the last changes still go.
      void flush();
    };
  }, []);

  /** The values as typed this instant (state catches up on the next render). */
  const getValues = () => live.current.values;

  return { values, loan, state, serverErrors, setValue, setLoan, flush, addServerErrors, getValues };
};
