/**
 * Passport validity check (the МВД list of invalid passports, via a licensed intermediary).
 * Adapters throw `ProviderError` on timeouts, 5xx and answers that do not match the schema: scoring
 * treats any error as "not checked", which never approves.
 */
export type PassportCheckResult = { status: 'valid' | 'invalid' };

export type PassportCheckProvider = {
  readonly name: string;
  check: (passport: { series: string; number: string }) => Promise<PassportCheckResult>;
};
