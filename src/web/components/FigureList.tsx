import type { ComponentChildren } from 'preact';
import { formatRubles } from '../../core/money';
import { formatDate, formatPskPercent } from '../lib/loan-format';

/**
 * One figure of a loan: a label and a value. Money (`kopecks`) and dates (`date`) are formatted
 * here; `content` shows anything else. A `name` marks the value with its raw figure
 * (`data-figure`, `data-kopecks` / `data-value`) for tests and automation.
 */
export type Figure = {
  label: ComponentChildren;
  name?: string;
  kopecks?: number;
  date?: string;
  value?: string | number;
  content?: ComponentChildren;
  /** The row's class: `facts-wide`, `psk-box`, … */
  class?: string;
};

const shown = (figure: Figure): ComponentChildren => {
  if (figure.content !== undefined) return figure.content;
  if (figure.kopecks !== undefined) return formatRubles(figure.kopecks);
  if (figure.date !== undefined) return formatDate(figure.date);
  return figure.value;
};

/** A list of figures (`<dl>`); `false` and `null` entries are skipped, so optional rows read inline. */
export const FigureList = ({ figures, class: className }: { figures: (Figure | false | null)[]; class: string }) => (
  <dl class={className}>
    {figures.map((figure, index) =>
      figure ? (
        <div key={figure.name ?? index} class={figure.class}>
          <dt>{figure.label}</dt>
          <dd
            data-figure={figure.name}
            data-kopecks={figure.name === undefined ? undefined : figure.kopecks}
            data-value={figure.name === undefined ? undefined : (figure.date ?? figure.value)}
          >
            {shown(figure)}
          </dd>
        </div>
      ) : null,
    )}
  </dl>
);

/**
 * The ПСК as a figure's value: the percentage and the same cost in rubles, each with its raw value
 * (`data-figure="psk"`, `"psk-kopecks"`). The contract says «годовых · 1 240 ₽», a quote «(1 240 ₽)».
 */
export const PskValue = ({ percent, kopecks, annual = false }: { percent: number; kopecks: number; annual?: boolean }) => {
  const rubles = (
    <span data-figure="psk-kopecks" data-kopecks={kopecks}>
      {formatRubles(kopecks)}
    </span>
  );
  return (
    <>
      <span data-figure="psk" data-value={percent}>
        {formatPskPercent(percent)}
      </span>{' '}
      <span class="nowrap">{annual ? <>годовых · {rubles}</> : <>({rubles})</>}</span>
    </>
  );
};
