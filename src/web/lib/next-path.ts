/** Stands in for our own origin while checking: any https origin would do. */
const SAME_SITE = 'https://same-site.invalid';

/**
 * A same-origin path to continue to after login, or the fallback. Accepts a path with a query and
 * a fragment (`/cabinet?product=pdl&amount=10000&term=30`). Refuses anything that could leave the
 * site (open redirect): absolute and protocol-relative URLs (`//evil.example`, `/\evil.example`),
 * and control characters, which browsers strip (`/\t/evil.example` would become `//evil.example`).
 * The answer is the path as the browser resolves it, so what was checked is what is navigated to.
 */
export const safeNextPath = (next: string | null, fallback: string): string => {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.includes('\\')) return fallback;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(next)) return fallback;
  let url: URL;
  try {
    url = new URL(next, SAME_SITE);
  } catch {
    return fallback;
  }
  // `/..//evil.example` resolves to the path `//evil.example`, which would read as another host.
  if (url.origin !== SAME_SITE || url.pathname.startsWith('//')) return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
};
