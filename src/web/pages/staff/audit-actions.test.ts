import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACTION_LABELS, actionText } from './audit-actions';

/** Every `action: …` the server's code writes to the audit log (tests excluded), e.g. `action: ok ? 'a.b' : 'a.c'`. */
function serverActions(): string[] {
  const found = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !path.includes(`${join('src', 'server', 'testing')}`)) {
        for (const [, expression] of readFileSync(path, 'utf8').matchAll(/\baction:\s*([^,\n]+)/g)) {
          for (const [, name] of expression!.matchAll(/'([a-z_]+\.[a-z_]+)'/g)) found.add(name!);
        }
      }
    }
  };
  walk(join(process.cwd(), 'src', 'server'));
  return [...found].sort();
}

describe('audit action labels', () => {
  it('name exactly the actions the server writes, in Russian', () => {
    const written = serverActions();
    expect(written).toContain('staff.login');
    expect(written).toContain('staff.totp_enrolled');
    expect(Object.keys(ACTION_LABELS).sort()).toEqual(written);
    for (const label of Object.values(ACTION_LABELS)) expect(label).toMatch(/^[А-ЯЁ][а-яё]/);
  });

  it('show the recorded name next to the words; an unknown action as it is', () => {
    expect(actionText('customer.revealed')).toBe('Показ персональных данных (customer.revealed)');
    expect(actionText('something.new')).toBe('something.new');
  });
});
