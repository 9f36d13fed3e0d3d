import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppConfig } from '../config/config';
import { anchorKey } from './audit-anchor';
import { AuditSigner } from './audit-signer';

function signerIn(dir: string): AuditSigner {
  return new AuditSigner({
    auditKeyFile: join(dir, 'key.pem'),
    auditTrustedKeys: [],
    auditSigningKey: undefined,
  } as unknown as AppConfig);
}

describe('AuditSigner anchors', () => {
  it('reads the anchor file again when it is moved aside, without a restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-signer-'));
    const signer = signerIn(dir);
    signer.recordAnchor('h1', { seq: '5', hash: 'h5', database: 'd' });
    expect([...signer.anchorsNow().keys()]).toEqual([anchorKey('h1', 'd')]);
    renameSync(join(dir, 'audit-anchor.json'), join(dir, 'aside.json'));
    expect(signer.anchorsNow().size).toBe(0);
    // And another signer on the same folder finds what this one records.
    signer.recordAnchor('h1', { seq: '7', hash: 'h7', database: 'd' });
    expect(signerIn(dir).anchorsNow().get(anchorKey('h1', 'd'))).toEqual({
      seq: '7',
      hash: 'h7',
      database: 'd',
    });
  });

  it('keeps the anchors it knows when the file becomes unreadable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-signer-'));
    const signer = signerIn(dir);
    signer.recordAnchor('h1', { seq: '5', hash: 'h5', database: 'd' });
    writeFileSync(join(dir, 'audit-anchor.json'), '{"h1@d": {"seq": "5", "ha');
    expect(signer.anchorsNow().get(anchorKey('h1', 'd'))).toMatchObject({ seq: '5' });
  });

  it("keeps another database's anchor of the same chain, recorded before databases were named", () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-signer-'));
    writeFileSync(
      join(dir, 'audit-anchor.json'),
      JSON.stringify({
        h1: { seq: '5', hash: 'h5', database: 'one' },
        h2: { seq: '3', hash: 'x' },
      }),
    );
    const signer = signerIn(dir);
    signer.recordAnchor('h1', { seq: '6', hash: 'h6', database: 'two' });
    signer.recordAnchor('h2', { seq: '4', hash: 'y', database: 'two' });
    expect([...signer.anchorsNow().keys()].sort()).toEqual(['h1', 'h1@two', 'h2@two']);
  });
});
