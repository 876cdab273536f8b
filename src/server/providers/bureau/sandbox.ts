import { ProviderError } from '../errors';
import { PERSONAS, personaByPassport } from '../sandbox-personas';
import { sandboxDelay, type SandboxControl } from '../sandbox-control';
import type { BureauProvider, CreditReport } from './port';

/** A sandbox bureau. Several run side by side (one per qualified bureau), all answering alike. */
export function createSandboxBureau(name: string, control: SandboxControl): BureauProvider {
  const fail = () => {
    if (control.failure === 'error') throw new ProviderError(name, 'HTTP 502');
  };
  return {
    name,
    async selfBan(inn) {
      control.bureauCalls += 1;
      await sandboxDelay(control);
      fail();
      if (control.failure === 'malformed') return { banned: 'no' } as unknown as { banned: boolean };
      return { banned: inn === PERSONAS.selfBan.inn };
    },
    async creditReport(subject) {
      control.bureauCalls += 1;
      const persona = personaByPassport(subject.passportNumber);
      if (persona === 'bureauTimeout') await sandboxDelay({ latencyMs: 0, failure: 'timeout', bureauCalls: 0 });
      await sandboxDelay(control);
      fail();
      if (control.failure === 'malformed' || persona === 'bureauMalformed') {
        return { hasHistory: true, activeLoans: 'many', bankruptcy: null } as unknown as CreditReport;
      }
      const clean: CreditReport = {
        hasHistory: true,
        activeLoans: [{ monthlyPaymentRubles: 3_000, pskPercent: 25, overdueDays: 0 }],
        bankruptcy: false,
        maxOverdueDaysLastYear: 0,
      };
      switch (persona) {
        case 'heavyOverdue':
          return { ...clean, activeLoans: [{ monthlyPaymentRubles: 5_000, pskPercent: 180, overdueDays: 90 }], maxOverdueDaysLastYear: 90 };
        case 'bankruptcy':
          return { ...clean, bankruptcy: true };
        case 'thinFile':
          return { hasHistory: false, activeLoans: [], bankruptcy: false, maxOverdueDaysLastYear: 0 };
        case 'highDebtLoad':
          return { ...clean, activeLoans: [{ monthlyPaymentRubles: 45_000, pskPercent: 30, overdueDays: 0 }] };
        case 'expensiveLoans':
          return {
            ...clean,
            activeLoans: [
              { monthlyPaymentRubles: 4_000, pskPercent: 292, overdueDays: 0 },
              { monthlyPaymentRubles: 3_000, pskPercent: 250, overdueDays: 0 },
            ],
          };
        default:
          return clean;
      }
    },
  };
}
