import { ProviderError } from '../errors';
import { personaByPassport } from '../sandbox-personas';
import { sandboxDelay, type SandboxControl } from '../sandbox-control';
import type { PassportCheckProvider } from './port';

export function createSandboxPassportCheck(control: SandboxControl): PassportCheckProvider {
  return {
    name: 'passport-sandbox',
    async check(passport) {
      await sandboxDelay(control);
      if (control.failure === 'error') throw new ProviderError('passport-sandbox', 'HTTP 503');
      if (control.failure === 'malformed') return { status: 'maybe' } as unknown as { status: 'valid' };
      return { status: personaByPassport(passport.number) === 'invalidPassport' ? 'invalid' : 'valid' };
    },
  };
}
