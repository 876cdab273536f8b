/**
 * The vehicle step of a loan secured by a car (issue 10): the car's data, saved with
 * `PUT /api/applications/:id/vehicle` (the server's per-field messages next to the fields), and a
 * tile per required photo — each a real file input that downscales the photo in the browser,
 * uploads it with a progress bar, shows the thumbnail, and offers a retry when it fails. What is
 * still missing is said in words. «Далее» (the questionnaire's) asks `control.finish()`.
 */
import type { RefObject } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Alert } from '../../components/Alert';
import { Field } from '../../components/fields';
import {
  ApiError,
  type Vehicle,
  type VehiclePhoto,
  type VehiclePhotoKind,
  type VehicleStep as VehicleStepState,
  api,
  errorMessage,
  vehiclePhotoUploadUrl,
} from '../../lib/api';
import { parseWholeNumber } from '../../lib/loan-choice';
import { formatInputNumber } from '../../lib/loan-format';
import type { MaskResult } from '../../lib/masks';
import { MAX_FILE_BYTES, downscalePhoto, formatFileSize, sendFile } from '../../lib/upload';
import {
  PHOTO_TILES,
  VEHICLE_FIELDS,
  VEHICLE_FIELD_LABELS,
  type PhotoTile,
  type VehicleField,
  type VehicleFormValues,
  checkVehicleFields,
  digitsMask,
  hasPhoto,
  isVehicleDirty,
  missingSummary,
  upperMask,
  vehicleFieldId,
  vehicleFormValues,
  toVehicleInput,
  vinMask,
} from '../../lib/vehicle-form';
import { PhotoTileView, type Upload } from './VehiclePhotos';
import './vehicle.css';
import { focusLater } from '../../lib/focus';

/** What the questionnaire asks of the step. */
export type VehicleStepControl = {
  /** «Далее»: saves the data if changed; true only when the data is saved and every photo is there. */
  finish: () => Promise<boolean>;
  /** «Назад»: saves changed data that passes the checks, silently. */
  saveQuietly: () => Promise<void>;
};

type VehicleStepProps = {
  applicationId: string;
  /** The step as the application view last said (null before the server knows the product is a car's). */
  step: VehicleStepState | null | undefined;
  /** The Moscow year today: a car cannot be younger. */
  currentYear: number;
  onStep: (step: VehicleStepState) => void;
  /** The draft cannot be changed any more (signed out, submitted elsewhere, gone). */
  onGone: (error: ApiError) => void;
  control: RefObject<VehicleStepControl | null>;
};

type Errors = Partial<Record<VehicleField, string>>;
type Load = { kind: 'loading' } | { kind: 'ready' } | { kind: 'failed'; message: string };
/** Every photo kind missing, plus the data: what a step the server has not described yet lacks. */
const ALL_MISSING = ['vehicle', ...PHOTO_TILES.map((tile) => `photos.${tile.kind}`)];


const VIN_HINT =
  '17 символов: латинские буквы и цифры (букв I, O и Q в VIN не бывает). VIN есть в ПТС и СТС, на табличке в проёме водительской двери и под лобовым стеклом со стороны водителя.';

const uploadFailure = (error: unknown): string => {
  if (error instanceof ApiError && error.status === 0) return 'Фото не загрузилось: нет связи с сервером. Проверьте интернет и нажмите «Повторить».';
  return errorMessage(error);
};

export const VehicleStep = ({ applicationId, step, currentYear, onStep, onGone, control }: VehicleStepProps) => {
  const [load, setLoad] = useState<Load>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const [vehicle, setVehicle] = useState<Vehicle | null>(null);
  const [values, setValues] = useState<VehicleFormValues>(() => vehicleFormValues(null));
  const [savedValues, setSavedValues] = useState<VehicleFormValues>(() => vehicleFormValues(null));
  const [errors, setErrors] = useState<Errors>({});
  const [saving, setSaving] = useState(false);
  const [saveNote, setSaveNote] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  const [photos, setPhotos] = useState<VehiclePhoto[]>([]);
  const [uploads, setUploads] = useState<Partial<Record<VehiclePhotoKind, Upload>>>({});
  const [photosError, setPhotosError] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const [missing, setMissing] = useState<string[]>(() => step?.missing ?? ALL_MISSING);

  // The latest of each, for the handlers the questionnaire calls from its own render.
  const latest = useRef({ values, savedValues, vehicle, missing, uploads });
  latest.current = { values, savedValues, vehicle, missing, uploads };
  const aborts = useRef(new Set<AbortController>());
  const isMounted = useRef(true);

  useEffect(
    () => () => {
      isMounted.current = false;
      for (const abort of aborts.current) abort.abort();
    },
    [],
  );

  // The fresher word of the application view (after an autosave) replaces ours.
  useEffect(() => {
    if (step) setMissing(step.missing);
  }, [step?.complete, step?.missing.join(',')]);

  useEffect(() => {
    let active = true;
    setLoad({ kind: 'loading' });
    api
      .vehicle(applicationId)
      .then((saved) => {
        if (!active) return;
        setVehicle(saved);
        setPhotos(saved.photos);
        setValues(vehicleFormValues(saved));
        setSavedValues(vehicleFormValues(saved));
        setMissing(saved.missing);
        setLoad({ kind: 'ready' });
      })
      .catch((error: unknown) => {
        if (!active) return;
        // Nothing saved yet: an empty form (the application itself is there: it is being filled in).
        if (error instanceof ApiError && error.status === 404) {
          setLoad({ kind: 'ready' });
          return;
        }
        if (error instanceof ApiError && error.status === 401) onGone(error);
        else setLoad({ kind: 'failed', message: errorMessage(error) });
      });
    return () => {
      active = false;
    };
  }, [applicationId, attempt]);

  const updateMissing = (next: string[]) => {
    latest.current.missing = next;
    setMissing(next);
    onStep({ complete: next.length === 0, missing: next });
  };

  const masked = vehicle ? { ptsNumber: vehicle.ptsNumber, stsNumber: vehicle.stsNumber } : undefined;

  const setValue = (field: VehicleField, value: string) => {
    const next = { ...latest.current.values, [field]: value };
    latest.current.values = next;
    setValues(next);
    setSaveNote('');
    // A field showing an error is checked again as it is typed in, so the error goes once fixed.
    if (errors[field]) {
      const again = checkVehicleFields(next, currentYear, [field], { requireFilled: true, masked });
      setErrors((previous) => {
        const rest = { ...previous };
        delete rest[field];
        return { ...rest, ...again };
      });
    }
  };

  const onLeave = (field: VehicleField) => {
    let current = latest.current.values;
    if (field === 'mileageKm') {
      const km = parseWholeNumber(current.mileageKm);
      if (km !== null) {
        current = { ...current, mileageKm: formatInputNumber(km) };
        latest.current.values = current;
        setValues(current);
      }
    }
    const found = checkVehicleFields(current, currentYear, [field], { requireFilled: false, masked });
    setErrors((previous) => {
      const rest = { ...previous };
      delete rest[field];
      return { ...rest, ...found };
    });
  };

  /** Saves the car's data; on refusal, the messages by the fields and focus on the first (unless quiet). */
  const save = async ({ quiet = false } = {}): Promise<boolean> => {
    const current = latest.current.values;
    const found = checkVehicleFields(current, currentYear, VEHICLE_FIELDS, { requireFilled: true, masked });
    const first = VEHICLE_FIELDS.find((field) => found[field]);
    if (first) {
      if (!quiet) {
        setErrors(found);
        focusLater(vehicleFieldId(first));
      }
      return false;
    }
    setSaving(true);
    setFormError(null);
    try {
      const saved = await api.saveVehicle(applicationId, toVehicleInput(current));
      if (!isMounted.current) return true;
      // The server's normal form (VIN, plate in Cyrillic capitals); the document numbers as typed.
      const shown = { ...vehicleFormValues(saved), ptsNumber: current.ptsNumber, stsNumber: current.stsNumber };
      latest.current.vehicle = saved;
      latest.current.values = shown;
      latest.current.savedValues = shown;
      setVehicle(saved);
      setPhotos(saved.photos);
      setValues(shown);
      setSavedValues(shown);
      setErrors({});
      setSaveNote('Данные автомобиля сохранены.');
      updateMissing(saved.missing);
      return true;
    } catch (error) {
      if (!isMounted.current) return false;
      if (error instanceof ApiError && (error.status === 401 || error.status === 404 || (error.status === 409 && !error.fields))) {
        onGone(error);
        return false;
      }
      if (quiet) return false;
      const fields = error instanceof ApiError ? (error.fields ?? {}) : {};
      const byField: Errors = {};
      for (const field of VEHICLE_FIELDS) if (fields[field]) byField[field] = fields[field];
      const firstRefused = VEHICLE_FIELDS.find((field) => byField[field]);
      setErrors(byField);
      if (firstRefused) focusLater(vehicleFieldId(firstRefused));
      else setFormError(errorMessage(error));
      return false;
    } finally {
      if (isMounted.current) setSaving(false);
    }
  };

  const setUpload = (kind: VehiclePhotoKind, upload: Upload | null) =>
    setUploads((previous) => {
      const next = { ...previous };
      if (upload) next[kind] = upload;
      else delete next[kind];
      latest.current.uploads = next;
      return next;
    });

  /** Shrinks (unless `prepared`, on a retry) and uploads one photo of `tile`. */
  const upload = async (tile: PhotoTile, file: Blob, prepared = false) => {
    const { kind } = tile;
    setPhotosError(null);
    setUpload(kind, { phase: 'preparing' });
    const body = prepared ? file : await downscalePhoto(file);
    if (!isMounted.current) return;
    if (body.size === 0) {
      setUpload(kind, { phase: 'failed', message: 'Файл пустой: выберите другое фото.', body: null });
      return;
    }
    if (body.size > MAX_FILE_BYTES) {
      setUpload(kind, {
        phase: 'failed',
        message: `Фото слишком большое (${formatFileSize(body.size)}), можно до 5 МБ. Сфотографируйте ещё раз или выберите другое фото.`,
        body: null,
      });
      return;
    }
    setUpload(kind, { phase: 'uploading', sent: 0 });
    const abort = new AbortController();
    aborts.current.add(abort);
    try {
      const photo = await sendFile<VehiclePhoto>(vehiclePhotoUploadUrl(applicationId, kind), body, {
        signal: abort.signal,
        onProgress: (sent) => {
          if (isMounted.current) setUpload(kind, sent >= 1 ? { phase: 'processing' } : { phase: 'uploading', sent });
        },
      });
      if (!isMounted.current) return;
      setPhotos((previous) => (kind === 'pts_page' ? [...previous, photo] : [...previous.filter((p) => p.kind !== kind), photo]));
      setUpload(kind, null);
      updateMissing(latest.current.missing.filter((item) => item !== `photos.${kind}`));
      setAnnouncement(kind === 'pts_page' ? 'Страница ПТС загружена.' : `Фото «${tile.label}» загружено.`);
    } catch (error) {
      if (!isMounted.current) return;
      if (error instanceof ApiError && error.status === 401) {
        onGone(error);
        return;
      }
      setUpload(kind, { phase: 'failed', message: uploadFailure(error), body });
    } finally {
      aborts.current.delete(abort);
    }
  };

  const finish = async (): Promise<boolean> => {
    const { vehicle: saved, values: current, savedValues: savedText } = latest.current;
    if (load.kind !== 'ready') return false;
    if (saved === null || isVehicleDirty(current, savedText)) {
      if (!(await save())) return false;
    }
    if (Object.values(latest.current.uploads).some((u) => u && u.phase !== 'failed')) {
      setPhotosError('Дождитесь, пока загрузятся фото.');
      focusLater('vehicle-photos-error');
      return false;
    }
    const summary = missingSummary(latest.current.missing);
    if (summary) {
      setPhotosError(`${summary} Без этого заявку не отправить.`);
      focusLater('vehicle-photos-error');
      return false;
    }
    return true;
  };

  const saveQuietly = async () => {
    const { vehicle: saved, values: current, savedValues: savedText } = latest.current;
    if (load.kind !== 'ready' || !isVehicleDirty(current, saved ? savedText : vehicleFormValues(null))) return;
    await save({ quiet: true });
  };

  control.current = { finish, saveQuietly };

  if (load.kind === 'loading') {
    return (
      <p class="muted" role="status">
        Загружаем данные автомобиля…
      </p>
    );
  }
  if (load.kind === 'failed') {
    return (
      <Alert message={load.message}>
        <button type="button" class="btn btn-secondary" onClick={() => setAttempt((n) => n + 1)}>
          Повторить
        </button>
      </Alert>
    );
  }

  const input = (field: VehicleField, options: InputOptions) => (
    <VehicleInput
      field={field}
      value={values[field]}
      error={errors[field]}
      onValue={(value) => setValue(field, value)}
      onLeave={() => onLeave(field)}
      {...options}
    />
  );
  const stillMissing = missingSummary(missing);

  return (
    <>
      <p class="step-intro">Машина остаётся у вас: залог регистрируем в реестре нотариата и снимаем сразу после погашения займа.</p>

      <section class="vehicle-section" aria-labelledby="vehicle-data-title">
        <h3 id="vehicle-data-title">Данные автомобиля</h3>
        <p class="muted small">Как в ПТС и СТС.</p>
        {input('vin', { hint: VIN_HINT, maxLength: 17, mask: vinMask, autoCapitalize: 'characters', placeholder: 'XTA00000000000000' })}
        <div class="field-row vehicle-row">
          {input('make', { hint: 'Например, LADA или Kia', maxLength: 60, autoCapitalize: 'words' })}
          {input('model', { hint: 'Например, Vesta или Rio', maxLength: 60, autoCapitalize: 'words' })}
        </div>
        <div class="field-row vehicle-row">
          {input('year', { hint: 'Например, 2020', maxLength: 4, inputMode: 'numeric', mask: digitsMask })}
          {input('mileageKm', { hint: 'Как на одометре', maxLength: 9, inputMode: 'numeric', mask: digitsMask })}
        </div>
        {input('plate', {
          hint: 'Как на номерном знаке: А123ВС77 или А123ВС777',
          maxLength: 12,
          mask: upperMask,
          autoCapitalize: 'characters',
        })}
        {input('ptsNumber', {
          hint: `Бумажный ПТС: 2 цифры, 2 буквы и 6 цифр, например 77 УХ 123456. ЭПТС: 15 цифр из выписки (Госуслуги).${vehicle ? ` Сохранён номер ${vehicle.ptsNumber}: введите его ещё раз, если меняете данные.` : ''}`,
          maxLength: 20,
          mask: upperMask,
          autoCapitalize: 'characters',
        })}
        {input('stsNumber', {
          hint: `На лицевой стороне СТС: 4 знака серии и 6 цифр, например 99 ХХ 123456.${vehicle ? ` Сохранён номер ${vehicle.stsNumber}: введите его ещё раз, если меняете данные.` : ''}`,
          maxLength: 20,
          mask: upperMask,
          autoCapitalize: 'characters',
        })}
        <Alert message={formError} />
        <button type="button" class="btn btn-secondary vehicle-save" disabled={saving} onClick={() => void save()}>
          {saving ? 'Сохраняем…' : 'Сохранить данные автомобиля'}
        </button>
        <p class="save-status" role="status" data-state={saveNote ? 'saved' : 'idle'}>
          {saveNote}
        </p>
      </section>

      <section class="vehicle-section" aria-labelledby="vehicle-photos-title">
        <h3 id="vehicle-photos-title">Фото автомобиля и ПТС</h3>
        <p class="muted small">
          Днём или при хорошем свете, чтобы номера и надписи читались. Большие фото мы уменьшим перед отправкой — до 5 МБ каждое.
        </p>
        <p class={stillMissing ? 'vehicle-missing' : 'vehicle-missing vehicle-missing-done'} data-testid="vehicle-missing">
          {stillMissing ?? 'Всё на месте: данные автомобиля сохранены, фото загружены.'}
        </p>
        <ul class="photo-tiles">
          {PHOTO_TILES.map((tile) => (
            <PhotoTileView
              key={tile.kind}
              tile={tile}
              photos={photos.filter((photo) => photo.kind === tile.kind)}
              isDone={hasPhoto(missing, tile.kind)}
              upload={uploads[tile.kind]}
              onFile={(file) => void upload(tile, file)}
              onRetry={(body) => void upload(tile, body, true)}
            />
          ))}
        </ul>
        <div class="alert-slot" role="alert" id="vehicle-photos-error" tabindex={-1}>
          {photosError ? (
            <div class="alert">
              <p>{photosError}</p>
            </div>
          ) : null}
        </div>
        <p class="sr-only" role="status">
          {announcement}
        </p>
      </section>
    </>
  );
};

type InputOptions = {
  hint: string;
  maxLength: number;
  inputMode?: 'text' | 'numeric';
  autoCapitalize?: 'off' | 'words' | 'characters';
  placeholder?: string;
  /** Reshapes what was typed (upper case, digits only); the caret is kept after the same character. */
  mask?: (previous: string, raw: string, caret: number) => MaskResult;
};

type VehicleInputProps = InputOptions & {
  field: VehicleField;
  value: string;
  error: string | undefined;
  onValue: (value: string) => void;
  onLeave: () => void;
};

/** One labelled field of the car's data, with its hint and error tied to it. */
const VehicleInput = ({ field, value, error, onValue, onLeave, hint, maxLength, inputMode = 'text', autoCapitalize = 'off', placeholder, mask }: VehicleInputProps) => (
  <Field id={vehicleFieldId(field)} label={VEHICLE_FIELD_LABELS[field]} hint={hint} error={error}>
    {({ id, describedBy, invalid }) => (
      <input
        id={id}
        name={field}
        class="input"
        type="text"
        inputmode={inputMode}
        autocapitalize={autoCapitalize}
        autocomplete="off"
        spellcheck={false}
        placeholder={placeholder}
        maxlength={maxLength}
        value={value}
        aria-required="true"
        aria-invalid={invalid ? 'true' : undefined}
        aria-describedby={describedBy}
        onBlur={onLeave}
        onInput={(event) => {
          const element = event.currentTarget;
          if (!mask) {
            onValue(element.value);
            return;
          }
          const masked = mask(value, element.value, element.selectionStart ?? element.value.length);
          // Written to the element itself: when the result equals the old state, no re-render would.
          element.value = masked.value;
          if (document.activeElement === element) element.setSelectionRange(masked.caret, masked.caret);
          onValue(masked.value);
        }}
      />
    )}
  </Field>
);

/**
 * The car on the review: what was saved (document numbers masked) and the photos' count, and —
 * while the step is not done — what holds the submit back.
 */
export const VehicleReview = ({ applicationId, step }: { applicationId: string; step: VehicleStepState }) => {
  const [vehicle, setVehicle] = useState<Vehicle | null | 'failed' | undefined>(undefined);

  useEffect(() => {
    let active = true;
    api
      .vehicle(applicationId)
      .then((saved) => {
        if (active) setVehicle(saved);
      })
      .catch((error: unknown) => {
        if (active) setVehicle(error instanceof ApiError && error.status === 404 ? null : 'failed');
      });
    return () => {
      active = false;
    };
  }, [applicationId]);

  const stillMissing = missingSummary(step.missing);
  return (
    <div class="vehicle-review" data-complete={step.complete ? 'true' : 'false'}>
      {vehicle === undefined && (
        <p class="muted" role="status">
          Загружаем данные автомобиля…
        </p>
      )}
      {vehicle === 'failed' && <p class="muted">Не удалось показать данные автомобиля. Проверить их можно на шаге «Автомобиль».</p>}
      {vehicle && vehicle !== 'failed' && (
        <dl class="facts review-facts">
          <div>
            <dt>Автомобиль</dt>
            <dd>
              {vehicle.make} {vehicle.model}, {vehicle.year}&nbsp;г.
            </dd>
          </div>
          <div>
            <dt>VIN</dt>
            <dd>{vehicle.vin}</dd>
          </div>
          <div>
            <dt>Пробег</dt>
            <dd>{formatInputNumber(vehicle.mileageKm).replace(/ /g, '\u00a0')}&nbsp;км</dd>
          </div>
          <div>
            <dt>Госномер</dt>
            <dd>{vehicle.plate}</dd>
          </div>
          <div>
            <dt>ПТС и СТС</dt>
            <dd>
              {vehicle.ptsNumber}, {vehicle.stsNumber}
            </dd>
          </div>
          <div>
            <dt>Фото</dt>
            <dd>{vehicle.photos.length}</dd>
          </div>
        </dl>
      )}
      {stillMissing && (
        <p class="note note-danger" data-testid="vehicle-not-ready">
          Отправить заявку можно, когда будут сохранены данные автомобиля и загружены все фото. {stillMissing}
        </p>
      )}
    </div>
  );
};
