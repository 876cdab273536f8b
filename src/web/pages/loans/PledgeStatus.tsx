/**
 * The pledge of a car-secured loan in the notaries' registry, on the loan page: registering (with a
 * progress bar), registered with its notice number, date and car, being released after repayment
 * with the legal deadline and the working days left, released with the release notice — or, when
 * we are late, an honest word and the way to support. One polite status region, a few lines.
 */
import type { Pledge } from '../../lib/api';
import { describePledge } from '../../lib/car-loan';
import { Link } from '../../lib/router';

const TONE_CLASS = {
  progress: 'pledge-progress',
  success: 'pledge-success',
  danger: 'pledge-danger',
  muted: 'pledge-muted',
} as const;

export const PledgeStatus = ({ pledge }: { pledge: Pledge }) => {
  const text = describePledge(pledge);
  return (
    <section class={`card pledge ${TONE_CLASS[text.tone]}`} aria-labelledby="pledge-title" data-testid="pledge" data-status={pledge.status}>
      <h2 id="pledge-title">Залог автомобиля</h2>
      <div role="status" class="pledge-status">
        <p class="pledge-title" data-testid="pledge-title">
          {text.title}
        </p>
        {text.busy && <progress class="loan-progress" aria-label={pledge.status === 'registering' ? 'Регистрация залога' : 'Снятие залога'} />}
        {text.details.map((line) => (
          <p key={line} class="pledge-detail">
            {line}
          </p>
        ))}
      </div>
      {text.late && (
        <Link href="/support" class="btn btn-secondary btn-block">
          Написать в поддержку
        </Link>
      )}
    </section>
  );
};
