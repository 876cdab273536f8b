/**
 * The car behind a car loan (issue 10), as the customer card and the manual review show it: the
 * car's data with the ПТС and СТС numbers masked («Показать» asks for a reason where the page offers
 * it), the valuation the decision used, the pledge with its notices and the release deadline, and
 * the photos. Every photo shown is fetched through the staff route, which writes each look to the
 * audit log; the ПТС pages (the owner's name and address) load only on request.
 */
import { useState } from 'preact/hooks';
import { formatInteger } from '../../lib/loan-format';
import {
  PHOTO_KIND_LABELS,
  PLEDGE_STATUS_LABELS,
  PLEDGE_STATUS_TONES,
  formatDateTime,
  formatDay,
  formatKopecks,
  formatLateness,
  labelOf,
} from './format';
import type { StaffVehicle, StaffVehiclePhoto, VehicleField, VehiclePledge } from './staff-api';
import { Badge } from './ui';

type Props = {
  vehicle: StaffVehicle;
  /** The heading's id (the section is labelled by it). */
  titleId: string;
  /** h2 on the review page, h3 inside the card's «Автомобили» section. */
  level?: 2 | 3;
  /** Offers «Показать» for the ПТС and СТС numbers (the customer card's recorded reveal). */
  onReveal?: (field: VehicleField) => void;
  /** Numbers already revealed on this page. */
  revealed?: Partial<Record<VehicleField, string>>;
};

export const VehicleCard = ({ vehicle, titleId, level = 3, onReveal, revealed = {} }: Props) => {
  const Heading = level === 2 ? 'h2' : 'h3';
  const Sub = level === 2 ? 'h3' : 'h4';
  return (
    <section class="card staff-vehicle" aria-labelledby={titleId} data-testid="vehicle" data-application={vehicle.applicationId}>
      <Heading id={titleId}>
        {vehicle.make} {vehicle.model}, {vehicle.year}
      </Heading>
      <dl class="staff-facts">
        <div>
          <dt>VIN</dt>
          <dd class="staff-mono" data-testid="vehicle-vin">
            {vehicle.vin}
          </dd>
        </div>
        <div>
          <dt>Госномер</dt>
          <dd class="nowrap">{vehicle.plate}</dd>
        </div>
        <div>
          <dt>Пробег</dt>
          <dd class="nowrap">{formatInteger(vehicle.mileageKm)}&nbsp;км</dd>
        </div>
        <div>
          <dt>Год выпуска</dt>
          <dd>{vehicle.year}</dd>
        </div>
        <DocumentNumber label="ПТС" field="pts" masked={vehicle.ptsNumberMasked} value={revealed.pts} onReveal={onReveal} />
        <DocumentNumber label="СТС" field="sts" masked={vehicle.stsNumberMasked} value={revealed.sts} onReveal={onReveal} />
      </dl>
      {!onReveal && <p class="muted small">Номера ПТС и СТС целиком — в карточке клиента: «Показать» с указанием причины.</p>}

      <Sub>Оценка</Sub>
      {vehicle.valuation ? (
        <dl class="staff-facts" data-testid="vehicle-valuation">
          <div>
            <dt>Стоимость</dt>
            <dd class="nowrap">{formatKopecks(vehicle.valuation.valueKopecks)}</dd>
          </div>
          <div>
            <dt>Доля под залог</dt>
            <dd>{vehicle.valuation.sharePercent === null ? '—' : `${vehicle.valuation.sharePercent}\u00a0%`}</dd>
          </div>
          <div>
            <dt>Источник</dt>
            <dd>{vehicle.valuation.source ?? '—'}</dd>
          </div>
          <div>
            <dt>Дата оценки</dt>
            <dd>{formatDateTime(vehicle.valuation.valuedAt)}</dd>
          </div>
        </dl>
      ) : (
        <p class="muted">Оценки ещё нет: заявку не проверял робот.</p>
      )}

      <Sub>Залог</Sub>
      {vehicle.pledge ? <PledgeFacts pledge={vehicle.pledge} /> : <p class="muted">Залога нет: договор по этой заявке не подписан.</p>}

      <Sub>Фото</Sub>
      <VehiclePhotos photos={vehicle.photos} />
    </section>
  );
};

type NumberProps = { label: string; field: VehicleField; masked: string; value: string | undefined; onReveal: ((field: VehicleField) => void) | undefined };

const DocumentNumber = ({ label, field, masked, value, onReveal }: NumberProps) => (
  <div data-field={field}>
    <dt>{label}</dt>
    <dd class="staff-masked">
      <span class={value ? 'staff-revealed staff-mono' : 'staff-mono'} data-testid={`value-${field}`}>
        {value ?? masked}
      </span>
      {value === undefined && onReveal && (
        <button type="button" class="btn btn-secondary btn-small" onClick={() => onReveal(field)}>
          Показать<span class="sr-only"> номер {label}</span>
        </button>
      )}
    </dd>
  </div>
);

const PledgeFacts = ({ pledge }: { pledge: VehiclePledge }) => (
  <dl class="staff-facts" data-testid="vehicle-pledge" data-status={pledge.status}>
    <div>
      <dt>Статус</dt>
      <dd class="staff-masked">
        <Badge tone={PLEDGE_STATUS_TONES[pledge.status] ?? 'neutral'} status={pledge.status}>
          {labelOf(PLEDGE_STATUS_LABELS, pledge.status)}
        </Badge>
        {pledge.overdue && (
          <Badge tone="danger" status="overdue">
            Снятие просрочено
          </Badge>
        )}
      </dd>
    </div>
    <div>
      <dt>Уведомление о залоге</dt>
      <dd>
        {pledge.noticeNumber ? `№ ${pledge.noticeNumber}` : 'ещё не зарегистрировано'}
        {pledge.registeredAt && <span class="staff-cell-note"> от {formatDateTime(pledge.registeredAt)}</span>}
      </dd>
    </div>
    {pledge.endedOn && (
      <div>
        <dt>Заём закончился</dt>
        <dd>{formatDay(pledge.endedOn)}</dd>
      </div>
    )}
    {pledge.releaseDueOn && (
      <div>
        <dt>Снять залог до</dt>
        <dd>
          {formatDay(pledge.releaseDueOn)}
          {pledge.overdue && <span class="staff-cell-note"> — опоздание {formatLateness(pledge.workingDaysLate, pledge.daysLate)}</span>}
        </dd>
      </div>
    )}
    {(pledge.releaseNumber || pledge.releasedAt) && (
      <div>
        <dt>Уведомление об исключении</dt>
        <dd>
          {pledge.releaseNumber ? `№ ${pledge.releaseNumber}` : '—'}
          {pledge.releasedAt && <span class="staff-cell-note"> от {formatDateTime(pledge.releasedAt)}</span>}
        </dd>
      </div>
    )}
    <div>
      <dt>Попытки подачи</dt>
      <dd>
        регистрация — {pledge.registerAttempts}, снятие — {pledge.releaseAttempts}
      </dd>
    </div>
    {pledge.lastError && (
      <div>
        <dt>Последняя ошибка</dt>
        <dd class="staff-mono">{pledge.lastError}</dd>
      </div>
    )}
  </dl>
);

/** Browsers show JPEG, PNG and WebP; a HEIC photo is offered as a file to open. */
const showsInline = (photo: StaffVehiclePhoto) => photo.contentType !== 'image/heic';

const Thumbnail = ({ photo, index }: { photo: StaffVehiclePhoto; index: number }) => {
  const label = `${labelOf(PHOTO_KIND_LABELS, photo.kind)}${photo.kind === 'pts_page' ? ` ${index + 1}` : ''}`;
  return (
    <li class="staff-photo" data-kind={photo.kind}>
      <a href={photo.url} target="_blank" rel="noopener noreferrer">
        {showsInline(photo) ? (
          <img src={photo.url} alt={label} loading="lazy" width={160} height={120} />
        ) : (
          <span class="staff-photo-file">HEIC — открыть</span>
        )}
        <span class="staff-photo-label">{label}</span>
      </a>
    </li>
  );
};

const VehiclePhotos = ({ photos }: { photos: StaffVehiclePhoto[] }) => {
  const [showPts, setShowPts] = useState(false);
  const car = photos.filter((photo) => photo.kind !== 'pts_page');
  const pts = photos.filter((photo) => photo.kind === 'pts_page');
  if (photos.length === 0) return <p class="muted">Фото не загружены.</p>;
  return (
    <>
      <p class="muted small">Каждый просмотр фото записывается в журнал аудита. Нажмите на фото, чтобы открыть его целиком.</p>
      {car.length > 0 && (
        <ul class="staff-photos" aria-label="Фото автомобиля">
          {car.map((photo, index) => (
            <Thumbnail key={photo.id} photo={photo} index={index} />
          ))}
        </ul>
      )}
      {pts.length > 0 &&
        (showPts ? (
          <ul class="staff-photos" aria-label="Страницы ПТС">
            {pts.map((photo, index) => (
              <Thumbnail key={photo.id} photo={photo} index={index} />
            ))}
          </ul>
        ) : (
          <button type="button" class="btn btn-secondary btn-small" onClick={() => setShowPts(true)}>
            Показать страницы ПТС ({pts.length})<span class="sr-only">: на них имя и адрес владельца</span>
          </button>
        ))}
    </>
  );
};
