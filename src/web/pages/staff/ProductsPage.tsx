/**
 * `/staff/products` (administrators): «Продукты и акции» — the product catalogue in force, with
 * «Изменить» for a product's name, description, amount and term ranges and rate (checked by the
 * server against the law in force today; its Russian message shown by the field it is about, each
 * save a new catalogue version); promotions (a lower rate on one product for some dates and an
 * audience) and their promo codes, each with a create form and «Отключить» / «Включить».
 * docs/backoffice.md «Products & promotions».
 */
import type { ComponentChildren, TargetedEvent } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Alert } from '../../components/Alert';
import { Field } from '../../components/fields';
import { moscowDate } from '../../../core/dates';
import { ApiError, errorMessage } from '../../lib/api';
import { useDocumentTitle } from '../../lib/hooks';
import { formatInputNumber, formatInteger } from '../../lib/loan-format';
import {
  AUDIENCES,
  AUDIENCE_LABELS,
  type Audience,
  CODE_STATUS_LABELS,
  CODE_STATUS_TONES,
  PROMOTION_STATUS_LABELS,
  PROMOTION_STATUS_TONES,
  PROMO_CODE_FORMAT,
  PER_LABELS,
  formatPskSpan,
  formatRatePpm,
  formatRublesRange,
  formatTermRange,
  formatUses,
  normalizePromoCode,
  parsePercentToPpm,
  parseWhole,
  ppmToPercentText,
  shortDate,
  termUnitWord,
} from './catalogue-format';
import { type Catalogue, type CatalogueProduct, type PromoCode, type Promotion, catalogueApi } from './catalogue-api';
import { formatDateTime } from './format';
import { Badge, type Load, LoadState, Notice, TableWrap, useLoad } from './ui';

type Loaded<T> = { state: Load<T>; reload: () => void; setData: (data: T) => void };

const focusById = (id: string) => window.requestAnimationFrame(() => document.getElementById(id)?.focus());

const SECTIONS = [
  ['products', 'Продукты'],
  ['promotions', 'Акции'],
  ['promo-codes', 'Промокоды'],
] as const;

export const ProductsPage = () => {
  useDocumentTitle('Продукты и акции');
  const catalogue = useLoad(() => catalogueApi.products(), 'catalogue');
  const promotions = useLoad(() => catalogueApi.promotions(), 'promotions');
  const codes = useLoad(() => catalogueApi.promoCodes(), 'promo-codes');
  const products = catalogue.state.kind === 'ready' ? catalogue.state.data.products : [];

  return (
    <>
      <h1 class="page-title">Продукты и акции</h1>
      <p class="lead-small">
        Условия займов, которые видят клиенты, и акции со сниженной ставкой. Перед сохранением сервер проверяет условия по закону на сегодняшний
        день; подписанные договоры сохраняют свои условия.
      </p>
      <nav class="staff-jump" aria-label="Разделы страницы">
        <ul>
          {SECTIONS.map(([anchor, label]) => (
            <li key={anchor}>
              <a href={`#${anchor}`}>{label}</a>
            </li>
          ))}
        </ul>
      </nav>
      <div class="staff-stack">
        <ProductsSection catalogue={catalogue} />
        <PromotionsSection
          promotions={promotions}
          products={products}
          onToggled={() => codes.reload()}
        />
        <PromoCodesSection
          codes={codes}
          promotions={promotions.state.kind === 'ready' ? promotions.state.data : []}
          onCreated={(code) => {
            // A promotion with codes is given only with one of them.
            if (promotions.state.kind === 'ready')
              promotions.setData(promotions.state.data.map((p) => (p.id === code.promotionId ? { ...p, byCode: true } : p)));
          }}
        />
      </div>
    </>
  );
};

// ---------------------------------------------------------------------------------------------
// Products

const VersionLine = ({ catalogue }: { catalogue: Catalogue }) => {
  const { version } = catalogue;
  return (
    <p class="muted" data-testid="catalogue-version" data-seq={version.seq}>
      {version.seq === 0 ? (
        <>Версия каталога 0: действуют исходные условия, изменений из бэк-офиса ещё не было.</>
      ) : (
        <>
          Версия каталога {version.seq}: сохранена {formatDateTime(version.createdAt)}
          {version.createdBy ? `, ${version.createdBy.fullName}` : ''}
          {version.note ? ` — «${version.note}»` : ''}.
        </>
      )}{' '}
      ПСК — на {shortDate(catalogue.date)}.
    </p>
  );
};

const ProductsSection = ({ catalogue }: { catalogue: Loaded<Catalogue> }) => {
  const { state, reload, setData } = catalogue;
  const [editing, setEditing] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const close = (code: string) => {
    setEditing(null);
    window.requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-edit="${code}"]`)?.focus());
  };

  const product = state.kind === 'ready' && editing ? state.data.products.find((p) => p.code === editing) : undefined;

  return (
    <section class="staff-section" id="products" aria-labelledby="products-title">
      <h2 id="products-title">Продукты</h2>
      <LoadState state={state} onRetry={reload} loadingText="Загружаем каталог…" />
      {state.kind === 'ready' && (
        <>
          <VersionLine catalogue={state.data} />
          <Notice message={notice} />
          <TableWrap label="Продукты">
            <table class="staff-table staff-table-dense" data-testid="products">
              <thead>
                <tr>
                  <th scope="col">Продукт</th>
                  <th scope="col">Сумма</th>
                  <th scope="col">Срок</th>
                  <th scope="col">Ставка</th>
                  <th scope="col">ПСК</th>
                  <th scope="col">
                    <span class="sr-only">Действия</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {state.data.products.map((p) => (
                  <tr key={p.code} data-code={p.code}>
                    <td>
                      <strong>{p.name}</strong>
                      <span class="staff-detail-line">{p.code}</span>
                    </td>
                    <td>
                      <span data-testid={`amount-${p.code}`}>{formatRublesRange(p.amount.minRubles, p.amount.maxRubles)}</span>
                      <span class="staff-detail-line">
                        шаг {formatInteger(p.amount.stepRubles)}&nbsp;₽, по умолчанию {formatInteger(p.amount.defaultRubles)}&nbsp;₽
                      </span>
                    </td>
                    <td>
                      <span>{formatTermRange(p.term.min, p.term.max, p.term.unit)}</span>
                      <span class="staff-detail-line">
                        шаг {formatInteger(p.term.step)}, по умолчанию {formatInteger(p.term.default)}
                      </span>
                    </td>
                    <td data-testid={`rate-${p.code}`}>{formatRatePpm(p.rate.ppm, p.rate.per)}</td>
                    <td>{formatPskSpan(p.pskRange)}</td>
                    <td>
                      <button
                        type="button"
                        class="btn btn-secondary btn-small"
                        data-edit={p.code}
                        aria-expanded={editing === p.code}
                        aria-controls={editing === p.code ? 'product-form' : undefined}
                        onClick={() => {
                          setNotice(null);
                          setEditing(editing === p.code ? null : p.code);
                        }}
                      >
                        Изменить<span class="sr-only"> «{p.name}»</span>
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          {product && (
            <ProductForm
              key={`${product.code}-${state.data.version.seq}`}
              product={product}
              version={state.data.version.seq}
              onSaved={(reply) => {
                const saved = reply.version.seq !== state.data.version.seq;
                setData(reply);
                const name = reply.products.find((p) => p.code === product.code)?.name ?? product.name;
                setNotice(
                  saved
                    ? `Продукт «${name}» сохранён. Новая версия каталога — ${reply.version.seq}.`
                    : `Продукт «${name}»: изменений нет, каталог не менялся.`,
                );
                close(product.code);
              }}
              onCancel={() => close(product.code)}
              onStale={() => {
                close(product.code);
                reload();
              }}
            />
          )}
        </>
      )}
    </section>
  );
};

type Draft = {
  name: string;
  description: string;
  amountMin: string;
  amountMax: string;
  amountStep: string;
  amountDefault: string;
  termMin: string;
  termMax: string;
  termStep: string;
  termDefault: string;
  rate: string;
  note: string;
};
type DraftKey = keyof Draft;
type DraftErrors = Partial<Record<DraftKey, string>>;

const draftOf = (p: CatalogueProduct): Draft => ({
  name: p.name,
  description: p.description,
  amountMin: formatInputNumber(p.amount.minRubles),
  amountMax: formatInputNumber(p.amount.maxRubles),
  amountStep: formatInputNumber(p.amount.stepRubles),
  amountDefault: formatInputNumber(p.amount.defaultRubles),
  termMin: String(p.term.min),
  termMax: String(p.term.max),
  termStep: String(p.term.step),
  termDefault: String(p.term.default),
  rate: ppmToPercentText(p.rate.ppm),
  note: '',
});

/** The form's fields in page order: their element ids, and the server's name for each. */
const FIELDS: readonly { key: DraftKey; id: string; server: readonly string[] }[] = [
  { key: 'name', id: 'product-name', server: ['name'] },
  { key: 'description', id: 'product-description', server: ['description'] },
  { key: 'amountMin', id: 'product-amount-min', server: ['amount.minRubles'] },
  { key: 'amountMax', id: 'product-amount-max', server: ['amount.maxRubles'] },
  { key: 'amountStep', id: 'product-amount-step', server: ['amount.stepRubles'] },
  { key: 'amountDefault', id: 'product-amount-default', server: ['amount.defaultRubles'] },
  { key: 'termMin', id: 'product-term-min', server: ['term.min'] },
  { key: 'termMax', id: 'product-term-max', server: ['term.max'] },
  { key: 'termStep', id: 'product-term-step', server: ['term.step'] },
  { key: 'termDefault', id: 'product-term-default', server: ['term.default'] },
  { key: 'rate', id: 'product-rate', server: ['rate.ppm', 'rate.per', 'rate'] },
  { key: 'note', id: 'product-note', server: ['note'] },
];

const WHOLE_MESSAGES: Partial<Record<DraftKey, string>> = {
  amountMin: 'Минимальная сумма — целое число рублей больше нуля.',
  amountMax: 'Максимальная сумма — целое число рублей больше нуля.',
  amountStep: 'Шаг суммы — целое число рублей больше нуля.',
  amountDefault: 'Сумма по умолчанию — целое число рублей больше нуля.',
  termMin: 'Минимальный срок — целое число больше нуля.',
  termMax: 'Максимальный срок — целое число больше нуля.',
  termStep: 'Шаг срока — целое число больше нуля.',
  termDefault: 'Срок по умолчанию — целое число больше нуля.',
};

/** The server's per-field messages on the form's fields; the rest (`_`, the term unit, …) for the form. */
const splitServerFields = (fields: Record<string, string>): { errors: DraftErrors; rest: string[] } => {
  const errors: DraftErrors = {};
  const rest: string[] = [];
  for (const [name, message] of Object.entries(fields)) {
    const field = FIELDS.find((f) => f.server.includes(name));
    if (field && !errors[field.key]) errors[field.key] = message;
    else rest.push(message);
  }
  return { errors, rest };
};

type ProductFormProps = {
  product: CatalogueProduct;
  version: number;
  onSaved: (reply: Catalogue) => void;
  onCancel: () => void;
  onStale: () => void;
};

const ProductForm = ({ product, version, onSaved, onCancel, onStale }: ProductFormProps) => {
  const [draft, setDraft] = useState<Draft>(() => draftOf(product));
  const [errors, setErrors] = useState<DraftErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [stale, setStale] = useState(false);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  const unit = termUnitWord(product.term.unit);
  const per = PER_LABELS[product.rate.per];

  const set = (key: DraftKey) => (value: string) => {
    setDraft((previous) => ({ ...previous, [key]: value }));
    setErrors((previous) => ({ ...previous, [key]: undefined }));
  };

  const showErrors = (found: DraftErrors) => {
    setErrors(found);
    const first = FIELDS.find((f) => found[f.key]);
    if (first) focusById(first.id);
  };

  const submit = async (event: TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    const found: DraftErrors = {};
    if (draft.name.trim() === '') found.name = 'Введите название продукта.';
    const numbers: Partial<Record<DraftKey, number>> = {};
    for (const [key, message] of Object.entries(WHOLE_MESSAGES) as [DraftKey, string][]) {
      const value = parseWhole(draft[key]);
      if (value === null || value <= 0) found[key] = message;
      else numbers[key] = value;
    }
    const ppm = parsePercentToPpm(draft.rate);
    if (draft.rate.trim() === '') found.rate = 'Введите ставку в процентах.';
    else if (ppm === null) found.rate = 'Ставка — число процентов, не больше 4 знаков после запятой: например, 0,8.';
    setFormError(null);
    setStale(false);
    if (Object.keys(found).length > 0 || ppm === null) {
      showErrors(found);
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      const note = draft.note.trim();
      const reply = await catalogueApi.updateProduct(product.code, {
        name: draft.name.trim(),
        description: draft.description.trim(),
        amount: {
          minRubles: numbers.amountMin!,
          maxRubles: numbers.amountMax!,
          stepRubles: numbers.amountStep!,
          defaultRubles: numbers.amountDefault!,
        },
        term: { min: numbers.termMin!, max: numbers.termMax!, step: numbers.termStep!, default: numbers.termDefault! },
        rate: { ppm, per: product.rate.per },
        version,
        ...(note ? { note } : {}),
      });
      onSaved(reply);
    } catch (error) {
      setBusy(false);
      if (error instanceof ApiError && error.status === 409) {
        setStale(true);
        setFormError(error.message);
      } else if (error instanceof ApiError && error.fields && Object.keys(error.fields).length > 0) {
        const { errors: fieldErrors, rest } = splitServerFields(error.fields);
        showErrors(fieldErrors);
        setFormError(['Ничего не сохранено.', ...(rest.length ? rest : ['Исправьте отмеченные поля.'])].join(' '));
      } else {
        setFormError(errorMessage(error));
      }
    }
  };

  const input = (key: DraftKey, label: string, options: { hint?: string; numeric?: boolean; decimal?: boolean; optional?: boolean } = {}) => {
    const field = FIELDS.find((f) => f.key === key)!;
    return (
      <Field id={field.id} label={label} hint={options.hint} error={errors[key]} optional={options.optional ?? false}>
        {({ id, describedBy, invalid }) => (
          <input
            id={id}
            class={options.decimal ? 'input input-amount' : 'input'}
            type="text"
            inputmode={options.decimal ? 'decimal' : options.numeric ? 'numeric' : 'text'}
            autocomplete="off"
            spellcheck={false}
            maxLength={key === 'name' ? 100 : key === 'note' ? 500 : 12}
            value={draft[key]}
            aria-invalid={invalid ? 'true' : undefined}
            aria-describedby={describedBy}
            onInput={(event) => set(key)(event.currentTarget.value)}
          />
        )}
      </Field>
    );
  };

  return (
    <section class="card" id="product-form" aria-labelledby="product-form-title" data-testid="product-form">
      <h3 id="product-form-title" tabindex={-1} ref={heading}>
        Изменить продукт «{product.name}»
      </h3>
      <p class="muted small">
        Код {product.code}, погашение, категория ПСК и залог не меняются. Изменения проверяются по закону на сегодня и сохраняются новой версией
        каталога; уже выданные займы и подписанные договоры их не получают.
      </p>
      <form class="form staff-form" onSubmit={(event) => void submit(event)} noValidate aria-labelledby="product-form-title">
        {input('name', 'Название')}
        <Field id="product-description" label="Описание" error={errors.description} hint="Клиенты видят его в калькуляторе">
          {({ id, describedBy, invalid }) => (
            <textarea
              id={id}
              class="input textarea"
              rows={2}
              maxLength={1000}
              value={draft.description}
              aria-invalid={invalid ? 'true' : undefined}
              aria-describedby={describedBy}
              onInput={(event) => set('description')(event.currentTarget.value)}
            />
          )}
        </Field>
        <FieldGroup legend="Сумма, ₽">
          {input('amountMin', 'Минимальная', { numeric: true })}
          {input('amountMax', 'Максимальная', { numeric: true })}
          {input('amountStep', 'Шаг', { numeric: true })}
          {input('amountDefault', 'По умолчанию', { numeric: true })}
        </FieldGroup>
        <FieldGroup legend={`Срок, ${unit}`}>
          {input('termMin', 'Минимальный', { numeric: true })}
          {input('termMax', 'Максимальный', { numeric: true })}
          {input('termStep', 'Шаг', { numeric: true })}
          {input('termDefault', 'По умолчанию', { numeric: true })}
        </FieldGroup>
        {input('rate', `Ставка, % ${per}`, {
          decimal: true,
          hint: `До 4 знаков после запятой, например 0,8. Сейчас ${formatRatePpm(product.rate.ppm, product.rate.per)}`,
        })}
        {input('note', 'Комментарий к изменению', { optional: true, hint: 'Для коллег и журнала аудита' })}
        <Alert message={formError}>
          {stale && (
            <button type="button" class="btn btn-secondary btn-small" onClick={onStale}>
              Загрузить актуальный каталог
            </button>
          )}
        </Alert>
        <div class="staff-actions">
          <button type="submit" class="btn btn-primary" disabled={busy}>
            {busy ? 'Проверяем и сохраняем…' : 'Сохранить'}
          </button>
          <button type="button" class="btn btn-secondary" onClick={onCancel} disabled={busy}>
            Отмена
          </button>
        </div>
      </form>
    </section>
  );
};

/** A labelled group of short fields side by side (four in a row on a desktop, two on a tablet). */
const FieldGroup = ({ legend, children }: { legend: string; children: ComponentChildren }) => (
  <fieldset class="choice-group staff-roles-field">
    <legend>{legend}</legend>
    <div class="staff-filters">{children}</div>
  </fieldset>
);

// ---------------------------------------------------------------------------------------------
// Promotions

const productLabel = (products: readonly CatalogueProduct[], code: string) => products.find((p) => p.code === code)?.name ?? code;

const PromotionsSection = ({
  promotions,
  products,
  onToggled,
}: {
  promotions: Loaded<Promotion[]>;
  products: readonly CatalogueProduct[];
  onToggled: () => void;
}) => {
  const { state, reload, setData } = promotions;
  const [notice, setNotice] = useState<string | null>(null);
  const today = moscowDate(new Date());

  const replace = (promotion: Promotion) => {
    if (state.kind === 'ready') setData(state.data.map((p) => (p.id === promotion.id ? promotion : p)));
  };

  return (
    <section class="staff-section" id="promotions" aria-labelledby="promotions-title">
      <h2 id="promotions-title">Акции</h2>
      <Notice message={notice} />
      <LoadState state={state} onRetry={reload} loadingText="Загружаем акции…" />
      {state.kind === 'ready' &&
        (state.data.length === 0 ? (
          <p class="muted">Акций пока нет.</p>
        ) : (
          <TableWrap label="Акции">
            <table class="staff-table staff-table-dense" data-testid="promotions">
              <thead>
                <tr>
                  <th scope="col">Акция</th>
                  <th scope="col">Продукт и ставка</th>
                  <th scope="col">Даты</th>
                  <th scope="col">Кому</th>
                  <th scope="col">Статус</th>
                  <th scope="col">
                    <span class="sr-only">Действия</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {state.data.map((promotion) => (
                  <ToggleRow
                    key={promotion.id}
                    id={promotion.id}
                    label={`акцию «${promotion.name}»`}
                    disabled={promotion.status === 'disabled'}
                    canToggle={promotion.validTo >= today}
                    toggle={(disabled) => catalogueApi.setPromotionDisabled(promotion.id, disabled)}
                    onToggled={(fresh) => {
                      replace(fresh);
                      setNotice(fresh.status === 'disabled' ? `Акция «${fresh.name}» отключена.` : `Акция «${fresh.name}» включена.`);
                      onToggled();
                    }}
                  >
                    <td>
                      <strong>{promotion.name}</strong>
                      <span class="staff-detail-line">{promotion.byCode ? 'только по промокоду' : 'без промокода'}</span>
                    </td>
                    <td>
                      {productLabel(products, promotion.productCode)}
                      <span class="staff-detail-line">{formatRatePpm(promotion.ratePpm, promotion.ratePer)}</span>
                    </td>
                    <td>
                      {shortDate(promotion.validFrom)} – {shortDate(promotion.validTo)}
                    </td>
                    <td>{AUDIENCE_LABELS[promotion.audience] ?? promotion.audience}</td>
                    <td>
                      <Badge tone={PROMOTION_STATUS_TONES[promotion.status] ?? 'neutral'} status={promotion.status}>
                        {PROMOTION_STATUS_LABELS[promotion.status] ?? promotion.status}
                      </Badge>
                    </td>
                  </ToggleRow>
                ))}
              </tbody>
            </table>
          </TableWrap>
        ))}
      <div class="staff-narrow">
        <PromotionForm
          products={products}
          today={today}
          onCreated={(promotion) => {
            if (state.kind === 'ready') setData([promotion, ...state.data]);
            else reload();
            setNotice(`Акция «${promotion.name}» создана: ${PROMOTION_STATUS_LABELS[promotion.status]?.toLowerCase() ?? promotion.status}.`);
          }}
        />
      </div>
    </section>
  );
};

type ToggleRowProps<T> = {
  id: string;
  /** «акцию «Зима»»: what the buttons name for a screen reader. */
  label: string;
  disabled: boolean;
  canToggle: boolean;
  toggle: (disabled: boolean) => Promise<T>;
  onToggled: (fresh: T) => void;
  children: ComponentChildren;
};

/** A table row with «Отключить» / «Включить» and the server's refusal under the button. */
const ToggleRow = <T,>({ id, label, disabled, canToggle, toggle, onToggled, children }: ToggleRowProps<T>) => {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      onToggled(await toggle(!disabled));
    } catch (failure) {
      const fields = failure instanceof ApiError && failure.fields ? Object.values(failure.fields) : [];
      setError(fields.length ? fields.join(' ') : errorMessage(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <tr data-id={id}>
      {children}
      <td>
        {canToggle && (
          <button type="button" class="btn btn-secondary btn-small" disabled={busy} onClick={() => void run()}>
            {disabled ? 'Включить' : 'Отключить'}
            <span class="sr-only"> {label}</span>
          </button>
        )}
        <Alert message={error} />
      </td>
    </tr>
  );
};

type PromotionErrors = Partial<Record<'name' | 'productCode' | 'ratePpm' | 'validFrom' | 'validTo' | 'audience', string>>;
const PROMOTION_FIELD_IDS: Record<keyof PromotionErrors, string> = {
  name: 'promotion-name',
  productCode: 'promotion-product',
  ratePpm: 'promotion-rate',
  validFrom: 'promotion-from',
  validTo: 'promotion-to',
  audience: 'promotion-audience',
};
const PROMOTION_ORDER = Object.keys(PROMOTION_FIELD_IDS) as (keyof PromotionErrors)[];

const PromotionForm = ({ products, today, onCreated }: { products: readonly CatalogueProduct[]; today: string; onCreated: (promotion: Promotion) => void }) => {
  const [name, setName] = useState('');
  const [productCode, setProductCode] = useState('');
  const [rate, setRate] = useState('');
  const [validFrom, setValidFrom] = useState(today);
  const [validTo, setValidTo] = useState('');
  const [audience, setAudience] = useState<Audience>('all');
  const [errors, setErrors] = useState<PromotionErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const product = products.find((p) => p.code === productCode);
  const clear = (key: keyof PromotionErrors) => setErrors((previous) => ({ ...previous, [key]: undefined }));

  const show = (found: PromotionErrors) => {
    setErrors(found);
    const first = PROMOTION_ORDER.find((key) => found[key]);
    if (first) focusById(PROMOTION_FIELD_IDS[first]);
  };

  const submit = async (event: TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    const found: PromotionErrors = {};
    if (name.trim() === '') found.name = 'Введите название акции.';
    if (!product) found.productCode = 'Выберите продукт.';
    const ppm = parsePercentToPpm(rate);
    if (rate.trim() === '') found.ratePpm = 'Введите ставку акции в процентах.';
    else if (ppm === null) found.ratePpm = 'Ставка — число процентов, не больше 4 знаков после запятой: например, 0,5.';
    if (!/^\d{4}-\d{2}-\d{2}$/.test(validFrom)) found.validFrom = 'Выберите дату начала.';
    if (!/^\d{4}-\d{2}-\d{2}$/.test(validTo)) found.validTo = 'Выберите дату окончания.';
    else if (!found.validFrom && validTo < validFrom) found.validTo = 'Дата окончания — не раньше даты начала.';
    setFormError(null);
    if (Object.keys(found).length > 0 || ppm === null || !product) {
      show(found);
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      const created = await catalogueApi.createPromotion({ name: name.trim(), productCode, ratePpm: ppm, validFrom, validTo, audience });
      onCreated(created);
      setName('');
      setRate('');
      setValidTo('');
    } catch (error) {
      if (error instanceof ApiError && error.fields && Object.keys(error.fields).length > 0) {
        const fieldErrors: PromotionErrors = {};
        const rest: string[] = [];
        for (const [key, message] of Object.entries(error.fields)) {
          if (key in PROMOTION_FIELD_IDS) fieldErrors[key as keyof PromotionErrors] = message;
          else rest.push(message);
        }
        show(fieldErrors);
        setFormError(['Акция не создана.', ...(rest.length ? rest : ['Исправьте отмеченные поля.'])].join(' '));
      } else {
        setFormError(errorMessage(error));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="new-promotion-title">
      <h3 id="new-promotion-title">Новая акция</h3>
      <form class="form staff-form" onSubmit={(event) => void submit(event)} noValidate aria-labelledby="new-promotion-title">
        <Field id="promotion-name" label="Название" error={errors.name}>
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              class="input"
              type="text"
              autocomplete="off"
              maxLength={200}
              value={name}
              aria-invalid={invalid ? 'true' : undefined}
              aria-describedby={describedBy}
              onInput={(event) => {
                setName(event.currentTarget.value);
                clear('name');
              }}
            />
          )}
        </Field>
        <Field id="promotion-product" label="Продукт" error={errors.productCode}>
          {({ id, describedBy, invalid }) => (
            <select
              id={id}
              class="input"
              value={productCode}
              disabled={products.length === 0}
              aria-invalid={invalid ? 'true' : undefined}
              aria-describedby={describedBy}
              onChange={(event) => {
                setProductCode(event.currentTarget.value);
                clear('productCode');
                clear('ratePpm');
              }}
            >
              <option value="">Выберите продукт</option>
              {products.map((p) => (
                <option key={p.code} value={p.code}>
                  {p.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          id="promotion-rate"
          label={product ? `Ставка акции, % ${PER_LABELS[product.rate.per]}` : 'Ставка акции, %'}
          hint={
            product
              ? `Ниже ставки продукта (${formatRatePpm(product.rate.ppm, product.rate.per)}); до 4 знаков после запятой`
              : 'В единицах ставки продукта; до 4 знаков после запятой'
          }
          error={errors.ratePpm}
        >
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              class="input input-amount"
              type="text"
              inputmode="decimal"
              autocomplete="off"
              maxLength={12}
              value={rate}
              aria-invalid={invalid ? 'true' : undefined}
              aria-describedby={describedBy}
              onInput={(event) => {
                setRate(event.currentTarget.value);
                clear('ratePpm');
              }}
            />
          )}
        </Field>
        <FieldGroup legend="Срок действия">
          <Field id="promotion-from" label="Действует с" error={errors.validFrom}>
            {({ id, describedBy, invalid }) => (
              <input
                id={id}
                class="input"
                type="date"
                min={today}
                value={validFrom}
                aria-invalid={invalid ? 'true' : undefined}
                aria-describedby={describedBy}
                onInput={(event) => {
                  setValidFrom(event.currentTarget.value);
                  clear('validFrom');
                }}
              />
            )}
          </Field>
          <Field id="promotion-to" label="Действует по" error={errors.validTo}>
            {({ id, describedBy, invalid }) => (
              <input
                id={id}
                class="input"
                type="date"
                min={validFrom || today}
                value={validTo}
                aria-invalid={invalid ? 'true' : undefined}
                aria-describedby={describedBy}
                onInput={(event) => {
                  setValidTo(event.currentTarget.value);
                  clear('validTo');
                }}
              />
            )}
          </Field>
        </FieldGroup>
        <Field id="promotion-audience" label="Кому" error={errors.audience}>
          {({ id, describedBy, invalid }) => (
            <select
              id={id}
              class="input"
              value={audience}
              aria-invalid={invalid ? 'true' : undefined}
              aria-describedby={describedBy}
              onChange={(event) => {
                setAudience(event.currentTarget.value as Audience);
                clear('audience');
              }}
            >
              {AUDIENCES.map((value) => (
                <option key={value} value={value}>
                  {AUDIENCE_LABELS[value]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <p class="muted small">Акция с промокодами действует только по промокоду; без промокодов — для всех клиентов из выбранной группы.</p>
        <Alert message={formError} />
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {busy ? 'Проверяем…' : 'Создать акцию'}
        </button>
      </form>
    </section>
  );
};

// ---------------------------------------------------------------------------------------------
// Promo codes

const PromoCodesSection = ({
  codes,
  promotions,
  onCreated,
}: {
  codes: Loaded<PromoCode[]>;
  promotions: readonly Promotion[];
  onCreated: (code: PromoCode) => void;
}) => {
  const { state, reload, setData } = codes;
  const [notice, setNotice] = useState<string | null>(null);
  const replace = (code: PromoCode) => {
    if (state.kind === 'ready') setData(state.data.map((c) => (c.id === code.id ? code : c)));
  };
  return (
    <section class="staff-section" id="promo-codes" aria-labelledby="promo-codes-title">
      <h2 id="promo-codes-title">Промокоды</h2>
      <Notice message={notice} />
      <LoadState state={state} onRetry={reload} loadingText="Загружаем промокоды…" />
      {state.kind === 'ready' &&
        (state.data.length === 0 ? (
          <p class="muted">Промокодов пока нет.</p>
        ) : (
          <TableWrap label="Промокоды">
            <table class="staff-table staff-table-dense" data-testid="promo-codes">
              <thead>
                <tr>
                  <th scope="col">Промокод</th>
                  <th scope="col">Акция</th>
                  <th scope="col">Использован</th>
                  <th scope="col">Статус</th>
                  <th scope="col">
                    <span class="sr-only">Действия</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {state.data.map((code) => (
                  <ToggleRow
                    key={code.id}
                    id={code.id}
                    label={`промокод ${code.code}`}
                    disabled={code.disabledAt !== null}
                    canToggle={code.status !== 'ended'}
                    toggle={(disabled) => catalogueApi.setPromoCodeDisabled(code.id, disabled)}
                    onToggled={(fresh) => {
                      replace(fresh);
                      setNotice(fresh.disabledAt ? `Промокод ${fresh.code} отключён.` : `Промокод ${fresh.code} включён.`);
                    }}
                  >
                    <td class="staff-mono">
                      {code.code}
                    </td>
                    <td>{code.promotionName}</td>
                    <td class="nowrap">{formatUses(code.usedCount, code.maxUses)}</td>
                    <td>
                      <Badge tone={CODE_STATUS_TONES[code.status] ?? 'neutral'} status={code.status}>
                        {CODE_STATUS_LABELS[code.status] ?? code.status}
                      </Badge>
                    </td>
                  </ToggleRow>
                ))}
              </tbody>
            </table>
          </TableWrap>
        ))}
      <div class="staff-narrow">
        <PromoCodeForm
          promotions={promotions.filter((p) => p.status === 'active' || p.status === 'scheduled')}
          onCreated={(code) => {
            if (state.kind === 'ready') setData([code, ...state.data]);
            else reload();
            setNotice(`Промокод ${code.code} создан для акции «${code.promotionName}».`);
            onCreated(code);
          }}
        />
      </div>
    </section>
  );
};

type CodeErrors = Partial<Record<'code' | 'promotionId' | 'maxUses', string>>;
const CODE_FIELD_IDS: Record<keyof CodeErrors, string> = { code: 'promo-code', promotionId: 'promo-code-promotion', maxUses: 'promo-code-max' };
const CODE_ORDER = Object.keys(CODE_FIELD_IDS) as (keyof CodeErrors)[];

const PromoCodeForm = ({ promotions, onCreated }: { promotions: readonly Promotion[]; onCreated: (code: PromoCode) => void }) => {
  const [code, setCode] = useState('');
  const [promotionId, setPromotionId] = useState('');
  const [maxUses, setMaxUses] = useState('');
  const [errors, setErrors] = useState<CodeErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const clear = (key: keyof CodeErrors) => setErrors((previous) => ({ ...previous, [key]: undefined }));

  const show = (found: CodeErrors) => {
    setErrors(found);
    const first = CODE_ORDER.find((key) => found[key]);
    if (first) focusById(CODE_FIELD_IDS[first]);
  };

  const submit = async (event: TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    const normalized = normalizePromoCode(code);
    const found: CodeErrors = {};
    if (normalized === '') found.code = 'Введите промокод.';
    else if (!PROMO_CODE_FORMAT.test(normalized)) found.code = 'Промокод — от 4 до 20 латинских букв и цифр, без пробелов.';
    if (!promotions.some((p) => p.id === promotionId)) found.promotionId = 'Выберите акцию.';
    const uses = maxUses.trim() === '' ? null : parseWhole(maxUses);
    if (maxUses.trim() !== '' && (uses === null || uses <= 0)) found.maxUses = 'Сколько раз можно использовать — целое число больше нуля.';
    setFormError(null);
    if (Object.keys(found).length > 0) {
      show(found);
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      onCreated(await catalogueApi.createPromoCode({ code: normalized, promotionId, maxUses: uses }));
      setCode('');
      setMaxUses('');
    } catch (error) {
      if (error instanceof ApiError && error.fields && Object.keys(error.fields).length > 0) {
        const fieldErrors: CodeErrors = {};
        const rest: string[] = [];
        for (const [key, message] of Object.entries(error.fields)) {
          if (key in CODE_FIELD_IDS) fieldErrors[key as keyof CodeErrors] = message;
          else rest.push(message);
        }
        show(fieldErrors);
        setFormError(['Промокод не создан.', ...(rest.length ? rest : ['Исправьте отмеченные поля.'])].join(' '));
      } else {
        setFormError(errorMessage(error));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="new-code-title">
      <h3 id="new-code-title">Новый промокод</h3>
      <form class="form staff-form" onSubmit={(event) => void submit(event)} noValidate aria-labelledby="new-code-title">
        <Field id="promo-code" label="Промокод" hint="От 4 до 20 латинских букв и цифр; сохраняется заглавными" error={errors.code}>
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              class="input input-amount staff-mono"
              type="text"
              autocomplete="off"
              autocapitalize="characters"
              spellcheck={false}
              maxLength={20}
              value={code}
              aria-invalid={invalid ? 'true' : undefined}
              aria-describedby={describedBy}
              onInput={(event) => {
                const upper = event.currentTarget.value.toUpperCase();
                if (upper !== event.currentTarget.value) event.currentTarget.value = upper;
                setCode(upper);
                clear('code');
              }}
            />
          )}
        </Field>
        <Field
          id="promo-code-promotion"
          label="Акция"
          hint={promotions.length === 0 ? 'Сначала создайте акцию: промокод выдаётся только к действующей или будущей акции' : undefined}
          error={errors.promotionId}
        >
          {({ id, describedBy, invalid }) => (
            <select
              id={id}
              class="input"
              value={promotionId}
              aria-invalid={invalid ? 'true' : undefined}
              aria-describedby={describedBy}
              onChange={(event) => {
                setPromotionId(event.currentTarget.value);
                clear('promotionId');
              }}
            >
              <option value="">Выберите акцию</option>
              {promotions.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id="promo-code-max" label="Сколько раз можно использовать" hint="Пусто — без ограничения" error={errors.maxUses} optional>
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              class="input input-amount"
              type="text"
              inputmode="numeric"
              autocomplete="off"
              maxLength={10}
              value={maxUses}
              aria-invalid={invalid ? 'true' : undefined}
              aria-describedby={describedBy}
              onInput={(event) => {
                setMaxUses(event.currentTarget.value);
                clear('maxUses');
              }}
            />
          )}
        </Field>
        <Alert message={formError} />
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {busy ? 'Создаём…' : 'Создать промокод'}
        </button>
      </form>
    </section>
  );
};
