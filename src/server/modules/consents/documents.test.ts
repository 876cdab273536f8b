import { describe, expect, it } from 'vitest';
import { CONSENT_DOCUMENTS, consentDocumentByVersion, versionOf } from './documents';

describe('consent document versions', () => {
  it('are pinned: a changed text must move its old wording to ARCHIVED_TEXTS (grants point at it) and update this list', () => {
    expect(Object.fromEntries(CONSENT_DOCUMENTS.map((d) => [d.kind, d.version]))).toEqual({
      personal_data: '4517a7bc66b65a04',
      credit_history: '62d3dbb4c7367187',
      simple_signature: '87b46de6d88b023c',
      marketing: '52a775473ea40d83',
    });
  });

  it('are the hash of the exact text, and each finds its document', () => {
    for (const doc of CONSENT_DOCUMENTS) {
      expect(doc.version).toBe(versionOf(doc.text));
      expect(consentDocumentByVersion(doc.version)).toEqual({ ...doc, current: true });
    }
    expect(consentDocumentByVersion('0000000000000000')).toBeUndefined();
  });
});
