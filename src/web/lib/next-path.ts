/**
 * A same-origin path to continue to after login, or the fallback. Only `/something` paths are
 * accepted: `//evil.example` and `/\evil.example` would leave the site (open redirect).
 */
export const safeNextPath = (next: string | null, fallback: string): string => {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
  return next;
};
