import canonicalize from 'canonicalize';
import { execFile } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { AuditService } from '../src/audit/audit.service';
import { ReceiptIssuer } from '../src/workflows/receipts/receipt-issuer';
import { waitFor, testKeyFile } from './utils/spawn-app';
import { createKey, startTestApp, TestApp } from './utils/test-app';
import { WebhookReceiver } from './webhooks-out-receiver';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Headers = { authorization: string };

const CLI = join(__dirname, '..', 'dist', 'src', 'audit', 'verify-export.cli.js');
const SPKI_PREFIX_LENGTH = 12;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const canonical = (value: unknown) => canonicalize(value) as string;

/**
 * Signed run receipts: issued for every finished run once its audit entries are sealed, read at
 * GET /workflows/{id}/receipt, verified with Node's own crypto and with the offline CLI against
 * a real audit export; the run's end webhook carries the receipt's hash.
 */
describe('signed run receipts', () => {
  const keyFile = testKeyFile();
  let test: TestApp;
  let db: Client;
  let receiver: WebhookReceiver;
  let writer: Headers;
  let worker: Headers;
  let dir: string;
  let publicKey: string;

  const call = async (method: string, path: string, headers: Headers, body?: unknown) => {
    const request = test.http[method.toLowerCase() as 'get'](`/api/v1${path}`).set(headers);
    const response = body === undefined ? await request : await request.send(body as object);
    return { status: response.status, body: response.body as Json, text: response.text };
  };
  const claim = async (agentId: string) => {
    const response = await call('POST', `/agents/${agentId}/tasks/claim`, worker, {});
    expect(response.status).toBe(200);
    expect(response.body.data.tasks).toHaveLength(1);
    return response.body.data.tasks[0] as Json;
  };
  const complete = async (task: Json, output: unknown) => {
    const response = await call('POST', `/tasks/${task.id}/complete`, worker, {
      leaseToken: task.leaseToken,
      output,
      usage: { inputTokens: 10, outputTokens: 5, costUsd: 0.01 },
    });
    expect(response.status).toBe(200);
  };
  const fail = async (task: Json) => {
    const response = await call('POST', `/tasks/${task.id}/fail`, worker, {
      leaseToken: task.leaseToken,
      error: { message: 'flaky', code: 'agent_error' },
    });
    expect(response.status).toBe(200);
  };
  const start = async (definitionKey: string, input: Json) => {
    const response = await call('POST', '/workflows', writer, { definitionKey, input });
    expect(response.status).toBe(201);
    return response.body.data as Json;
  };
  const receiptOf = (runId: string) =>
    waitFor(
      async () => {
        const response = await call('GET', `/workflows/${runId}/receipt`, writer);
        return response.status === 200 ? (response.body.data as Json) : undefined;
      },
      20_000,
      `the receipt of run ${runId}`,
    );
  const delivered = (runId: string, type: string) =>
    waitFor(
      async () =>
        receiver
          .on('/hooks')
          .map((request) => ({ request, body: JSON.parse(request.body) as Json }))
          .find(({ body }) => body.type === type && body.data.workflowId === runId),
      20_000,
      `the ${type} delivery of run ${runId}`,
    );
  const cli = (args: string[]) =>
    new Promise<{ code: number; stdout: string }>((done) => {
      execFile('node', [CLI, ...args], (error, stdout) =>
        done({ code: error ? Number(error.code) : 0, stdout }),
      );
    });
  const save = (name: string, content: string) => {
    const file = join(dir, name);
    writeFileSync(file, content);
    return file;
  };

  beforeAll(async () => {
    test = await startTestApp({
      AUDIT_KEY_FILE: keyFile,
      RATE_LIMIT_PER_MINUTE: '10000000',
      WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8',
    });
    db = new Client({ connectionString: test.db.url });
    await db.connect();
    dir = mkdtempSync(join(tmpdir(), 'receipts-'));
    const pem = readFileSync(keyFile, 'utf8');
    publicKey = createPublicKey(pem)
      .export({ format: 'der', type: 'spki' })
      .subarray(SPKI_PREFIX_LENGTH)
      .toString('base64');
    writer = {
      authorization: (
        await createKey(test, {
          scopes: [
            'workflows:write',
            'workflows:read',
            'agents:write',
            'agents:read',
            'webhooks:admin',
          ],
        })
      ).authorization,
    };
    worker = { authorization: (await createKey(test, { scopes: ['tasks:work'] })).authorization };
    for (const [id, skill] of [
      ['writer-1', 'write'],
      ['writer-2', 'write'],
      ['reviewer-1', 'review'],
    ]) {
      const registered = await call('POST', '/agents', writer, {
        id,
        name: id,
        skills: [{ name: skill }],
      });
      expect(registered.status).toBe(201);
    }
    receiver = await WebhookReceiver.start();
    const endpoint = await call('POST', '/webhooks/endpoints', writer, {
      url: `${receiver.url}/hooks`,
      eventTypes: ['workflow.succeeded', 'workflow.failed', 'workflow.cancelled'],
    });
    expect(endpoint.status).toBe(201);
    receiver.trust('endpoint', endpoint.body.data.secret);
    expect(
      (
        await call('POST', '/workflow-definitions', writer, {
          key: 'article',
          steps: [
            { key: 'draft', skill: 'write', maxAttempts: 2, retryBackoff: { initialSeconds: 0 } },
            { key: 'review', skill: 'review', dependsOn: ['draft'] },
          ],
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call('POST', '/workflow-definitions', writer, {
          key: 'one-shot',
          steps: [{ key: 'only', skill: 'review', maxAttempts: 1 }],
        })
      ).status,
    ).toBe(201);
  });

  afterAll(async () => {
    await receiver?.stop();
    await db?.end();
    await test?.close();
  });

  describe('a succeeded run', () => {
    let run: Json;
    let signed: Json;

    beforeAll(async () => {
      run = await start('article', { topic: 'receipts' });
      const early = await call('GET', `/workflows/${run.id}/receipt`, writer);
      expect(early.status).toBe(404);
      expect(early.body.type).toMatch(/receipt.not.issued$/);
      await fail(await claim('writer-1'));
      await complete(await claim('writer-2'), { text: 'the draft' });
      await complete(await claim('reviewer-1'), { approved: true });
      signed = await receiptOf(run.id);
    });

    it('binds the definition, the input and output hashes and each step', async () => {
      const finished = (await call('GET', `/workflows/${run.id}`, writer)).body.data;
      const definition = (await call('GET', '/workflow-definitions/article', writer)).body.data;
      const { receipt } = signed;
      expect(receipt).toMatchObject({
        receiptVersion: 1,
        tenantId: 'default',
        workflowId: run.id,
        status: 'succeeded',
        definition: { key: 'article', version: definition.version },
        inputHash: sha256(canonical({ topic: 'receipts' })),
        outputHash: sha256(canonical(finished.output)),
      });
      expect(receipt.definition.contentHash).toMatch(/^[0-9a-f]{64}$/);
      expect(finished.usage.inputTokens).toBeGreaterThan(0);
      expect(receipt.usage).toEqual(finished.usage);
      expect(new Date(receipt.finishedAt).getTime()).toBe(new Date(finished.finishedAt).getTime());
      expect(receipt.steps).toEqual([
        expect.objectContaining({
          key: 'draft',
          kind: 'task',
          status: 'succeeded',
          agentIds: ['writer-1', 'writer-2'],
          attempts: 2,
        }),
        expect.objectContaining({
          key: 'review',
          status: 'succeeded',
          agentIds: ['reviewer-1'],
          attempts: 1,
        }),
      ]);
      for (const step of receipt.steps) {
        expect(step.taskIds).toHaveLength(1);
        expect(Date.parse(step.startedAt)).toBeLessThanOrEqual(Date.parse(step.finishedAt));
      }
    });

    it('is signed with the audit signing key over the canonical JSON of the receipt', async () => {
      expect(signed.publicKey).toBe(publicKey);
      const raw = Buffer.from(publicKey, 'base64');
      expect(signed.keyId).toBe(createHash('sha256').update(raw).digest('hex').slice(0, 16));
      const bytes = Buffer.from(canonical(signed.receipt), 'utf8');
      const key = createPublicKey(readFileSync(keyFile, 'utf8'));
      expect(verify(null, bytes, key, Buffer.from(signed.signature, 'base64'))).toBe(true);
      expect(signed.receiptHash).toBe(createHash('sha256').update(bytes).digest('hex'));
      const altered = { ...signed.receipt, status: 'failed' };
      expect(
        verify(null, Buffer.from(canonical(altered)), key, Buffer.from(signed.signature, 'base64')),
      ).toBe(false);
    });

    it('is not served once changed in the database, nor re-signed there with another key', async () => {
      const path = `/workflows/${run.id}/receipt`;
      const stored = async (set: string, params: unknown[] = []) => {
        await db.query('ALTER TABLE workflow_receipts DISABLE TRIGGER USER');
        try {
          await db.query(`UPDATE workflow_receipts SET ${set} WHERE run_id = $1`, [
            run.id,
            ...params,
          ]);
        } finally {
          await db.query('ALTER TABLE workflow_receipts ENABLE TRIGGER USER');
        }
      };
      const refused = async () => {
        const response = await call('GET', path, writer);
        expect(response.status).toBe(409);
        expect(response.body.type).toBe('urn:agentmesh:problem:receipt-invalid');
        expect(JSON.stringify(response.body)).not.toContain('"failed"');
      };
      try {
        await stored(`receipt = jsonb_set(receipt, '{status}', '"failed"')`);
        await refused();

        // Re-signed with a key of the attacker's own, hash and key id made to match.
        const altered = { ...signed.receipt, status: 'failed' };
        const forger = generateKeyPairSync('ed25519');
        const forgedKey = forger.publicKey
          .export({ format: 'der', type: 'spki' })
          .subarray(SPKI_PREFIX_LENGTH)
          .toString('base64');
        const bytes = Buffer.from(canonical(altered));
        await stored(
          'receipt = $2::jsonb, signature = $3, public_key = $4, key_id = $5, receipt_hash = $6',
          [
            JSON.stringify(altered),
            sign(null, bytes, forger.privateKey).toString('base64'),
            forgedKey,
            createHash('sha256')
              .update(Buffer.from(forgedKey, 'base64'))
              .digest('hex')
              .slice(0, 16),
            createHash('sha256').update(bytes).digest('hex'),
          ],
        );
        await refused();
      } finally {
        await stored(
          'receipt = $2::jsonb, signature = $3, public_key = $4, key_id = $5, receipt_hash = $6',
          [
            JSON.stringify(signed.receipt),
            signed.signature,
            signed.publicKey,
            signed.keyId,
            signed.receiptHash,
          ],
        );
      }
      const again = await call('GET', path, writer);
      expect(again.status).toBe(200);
      expect(again.body.data).toEqual(signed);
    });

    it("names the sealed seq range of the run's entries and the hash at its end", async () => {
      const { rows } = await db.query<{ seq: string; hash: string }>(
        `SELECT c.seq::text AS seq, c.hash FROM audit_entries e
           JOIN audit_chain c ON c.entry_id = e.id
          WHERE (e.resource_type = 'workflow' AND e.resource_id = $1)
             OR (e.resource_type = 'task' AND e.resource_id = ANY($2::varchar[]))
          ORDER BY c.seq`,
        [run.id, signed.receipt.steps.flatMap((step: Json) => step.taskIds)],
      );
      const { audit } = signed.receipt;
      expect(audit.fromSeq).toBe(rows[0].seq);
      expect(audit.headSeq).toBe(audit.toSeq);
      // Issuing the receipt is audited too (on its own resource): the run's entries end before.
      expect(rows.filter((row) => BigInt(row.seq) <= BigInt(audit.toSeq))).toHaveLength(
        audit.entries,
      );
      expect(rows.find((row) => row.seq === audit.toSeq)?.hash).toBe(audit.headHash);
      const issued = await call(
        'GET',
        `/audit?resourceType=workflow_receipt&resourceId=${run.id}`,
        test.admin,
      );
      expect(issued.body.data.entries).toEqual([
        expect.objectContaining({
          action: 'workflow_receipt.issue',
          after: expect.objectContaining({ receiptHash: signed.receiptHash }),
        }),
      ]);
    });

    it('its workflow.succeeded delivery carries the receipt hash, signed', async () => {
      const { request, body } = await delivered(run.id, 'workflow.succeeded');
      expect(body.data.receiptHash).toBe(signed.receiptHash);
      expect(request.verifiedBy).toEqual(['endpoint']);
      // Not in the run's history, which ends with its terminal event.
      const history = (await call('GET', `/workflows/${run.id}/events?limit=200`, writer)).body.data
        .events as Json[];
      expect(history[history.length - 1].type).toBe('workflow.succeeded');
      const { rows: issued } = await db.query<{ data: Json }>(
        `SELECT data FROM events WHERE type = 'workflow.receipt.issued' AND subject_id = $1`,
        [run.id],
      );
      expect(issued).toHaveLength(1);
      expect(issued[0].data).toMatchObject({
        workflowId: run.id,
        status: 'succeeded',
        receiptHash: signed.receiptHash,
        keyId: signed.keyId,
        finishedEventId: request.headers['webhook-id'],
      });
    });

    describe('offline, with the CLI against a real export', () => {
      let exportLines: string[];
      let receiptFile: string;
      let exportFile: string;

      beforeAll(async () => {
        const exported = await call('GET', '/audit/export', test.admin);
        expect(exported.status).toBe(200);
        exportLines = exported.text.split('\n');
        receiptFile = save('receipt.json', JSON.stringify(signed));
        exportFile = save('export.ndjson', exported.text);
      });

      const runLine = (predicate: (row: Json) => boolean) => {
        const index = exportLines.findIndex(
          (line) => line.trim() !== '' && predicate(JSON.parse(line) as Json),
        );
        expect(index).toBeGreaterThanOrEqual(0);
        return index;
      };

      it('is valid, with and without the pinned public key', async () => {
        const pinned = await cli([
          '--receipt',
          receiptFile,
          '--file',
          exportFile,
          '--public-key',
          publicKey,
        ]);
        expect(pinned.stdout).toContain('The receipt is VALID.');
        expect(pinned.code).toBe(0);
        const named = await cli(['--receipt', receiptFile, '--file', exportFile]);
        expect(named.code).toBe(0);
        expect(named.stdout).toContain('pin it with --public-key');
        // The whole response body is accepted as well as its data.
        const body = save('body.json', JSON.stringify({ data: signed }));
        expect((await cli(['--receipt', body, '--file', exportFile, '--json'])).code).toBe(0);
      });

      it('fails when one byte of the receipt changes', async () => {
        const text = JSON.stringify(signed);
        const at = text.indexOf(signed.receipt.outputHash) + 3;
        const flipped = text.slice(0, at) + (text[at] === 'a' ? 'b' : 'a') + text.slice(at + 1);
        const result = await cli(['--receipt', save('byte.json', flipped), '--file', exportFile]);
        expect(result.code).toBe(1);
        expect(result.stdout).toContain('bad_signature');
      });

      it("fails when a step's agent is changed, re-signed or not", async () => {
        const altered: Json = structuredClone(signed);
        altered.receipt.steps[0].agentIds = ['writer-2'];
        const unsigned = await cli([
          '--receipt',
          save('agent.json', JSON.stringify(altered)),
          '--file',
          exportFile,
        ]);
        expect(unsigned.code).toBe(1);
        expect(unsigned.stdout).toContain('bad_signature');

        // Someone else's key signs it: the pinned key refuses it; the export contradicts it.
        const forger = generateKeyPairSync('ed25519');
        const forgedKey = forger.publicKey
          .export({ format: 'der', type: 'spki' })
          .subarray(SPKI_PREFIX_LENGTH)
          .toString('base64');
        altered.publicKey = forgedKey;
        altered.keyId = createHash('sha256')
          .update(Buffer.from(forgedKey, 'base64'))
          .digest('hex')
          .slice(0, 16);
        altered.signature = sign(
          null,
          Buffer.from(canonical(altered.receipt)),
          forger.privateKey,
        ).toString('base64');
        // A careful forger names the forged receipt's hash too.
        altered.receiptHash = createHash('sha256')
          .update(Buffer.from(canonical(altered.receipt)))
          .digest('hex');
        const forgedFile = save('forged.json', JSON.stringify(altered));
        const againstExport = await cli(['--receipt', forgedFile, '--file', exportFile]);
        expect(againstExport.code).toBe(1);
        expect(againstExport.stdout).toContain('step_mismatch');
        expect(againstExport.stdout).toContain('step draft');
        const pinned = await cli([
          '--receipt',
          forgedFile,
          '--file',
          exportFile,
          '--public-key',
          publicKey,
        ]);
        expect(pinned.code).toBe(1);
        expect(pinned.stdout).toContain('unknown_key');
      });

      it('fails when one byte of the export changes, or the run is not in it', async () => {
        const claimLine = runLine(
          (row) => row.action === 'task.claim' && (row.after as string).includes('writer-2'),
        );
        const lines = [...exportLines];
        lines[claimLine] = lines[claimLine].replace('writer-2', 'writer-3');
        const byte = await cli([
          '--receipt',
          receiptFile,
          '--file',
          save('byte.ndjson', lines.join('\n')),
        ]);
        expect(byte.code).toBe(1);
        expect(byte.stdout).toContain('export_invalid');

        const first = runLine((row) => row.seq === signed.receipt.audit.fromSeq);
        const before = save('before.ndjson', exportLines.slice(0, first).join('\n'));
        const cut = await cli(['--receipt', receiptFile, '--file', before]);
        expect(cut.code).toBe(1);
        expect(cut.stdout).toContain('range_not_in_export');
      });

      it('fails when the receiptHash it names is not the hash of its receipt', async () => {
        const altered = { ...signed, receiptHash: '0'.repeat(64) };
        const result = await cli([
          '--receipt',
          save('hash.json', JSON.stringify(altered)),
          '--file',
          exportFile,
        ]);
        expect(result.code).toBe(1);
        expect(result.stdout).toContain('receipt_hash_mismatch');
        // Without one it is checked as before (the hash is printed, computed).
        const { receiptHash: _left, ...without } = signed;
        expect(
          (
            await cli([
              '--receipt',
              save('nohash.json', JSON.stringify(without)),
              '--file',
              exportFile,
            ])
          ).code,
        ).toBe(0);
      });

      it('fails when a line of the export carries a field the export never writes', async () => {
        const claimLine = runLine((row) => row.action === 'task.claim');
        const lines = [...exportLines];
        lines[claimLine] = JSON.stringify({
          ...(JSON.parse(lines[claimLine]) as Json),
          extra: 'x',
        });
        const result = await cli([
          '--receipt',
          receiptFile,
          '--file',
          save('extra.ndjson', lines.join('\n')),
        ]);
        expect(result.code).toBe(1);
        expect(result.stdout).toContain('export_invalid');
      });

      it('with --complete, a whole-chain export missing any line fails, the run’s or not', async () => {
        const whole = await call('GET', '/audit/export?all=true', test.admin);
        expect(whole.status).toBe(200);
        const wholeLines = whole.text.split('\n');
        const wholeFile = save('whole.ndjson', whole.text);
        expect(
          (await cli(['--receipt', receiptFile, '--file', wholeFile, '--complete'])).code,
        ).toBe(0);
        // The first line, well before the run's entries: a tenant export may skip seqs, a
        // whole chain may not.
        const cut = save('whole-cut.ndjson', wholeLines.slice(1).join('\n'));
        expect((await cli(['--receipt', receiptFile, '--file', cut])).code).toBe(0);
        const complete = await cli(['--receipt', receiptFile, '--file', cut, '--complete']);
        expect(complete.code).toBe(1);
        expect(complete.stdout).toContain('missing_link');
      });

      it('fails when one of the run’s entries is left out of the export', async () => {
        // Dropping a line leaves a gap, which a tenant export may have: the count gives it away.
        const claimLine = runLine(
          (row) => row.action === 'task.claim' && (row.after as string).includes('writer-1'),
        );
        const lines = exportLines.filter((_, index) => index !== claimLine);
        const result = await cli([
          '--receipt',
          receiptFile,
          '--file',
          save('gap.ndjson', lines.join('\n')),
        ]);
        expect(result.code).toBe(1);
        expect(result.stdout).toContain('entries_mismatch');
      });
    });
  });

  it('a failed run gets one, and its workflow.failed delivery carries its hash', async () => {
    const run = await start('one-shot', { n: 1 });
    await fail(await claim('reviewer-1'));
    const signed = await receiptOf(run.id);
    expect(signed.receipt).toMatchObject({
      status: 'failed',
      outputHash: sha256('null'),
      usage: null,
      steps: [expect.objectContaining({ key: 'only', status: 'failed', attempts: 1 })],
    });
    const { body } = await delivered(run.id, 'workflow.failed');
    expect(body.data.receiptHash).toBe(signed.receiptHash);
  });

  it('a cancelled run gets one: its steps never claimed', async () => {
    const run = await start('article', { topic: 'never' });
    expect((await call('POST', `/workflows/${run.id}/cancel`, writer, {})).status).toBe(200);
    const signed = await receiptOf(run.id);
    expect(signed.receipt.status).toBe('cancelled');
    expect(signed.receipt.steps).toEqual([
      expect.objectContaining({ key: 'draft', status: 'cancelled', attempts: 0, agentIds: [] }),
      expect.objectContaining({ key: 'review', status: 'not_started', taskIds: [], attempts: 0 }),
    ]);
    const { body } = await delivered(run.id, 'workflow.cancelled');
    expect(body.data.receiptHash).toBe(signed.receiptHash);
  });

  it('answers 404 for unknown runs and other tenants, 403 without workflows:read', async () => {
    const run = await start('one-shot', { n: 2 });
    await complete(await claim('reviewer-1'), { ok: true });
    await receiptOf(run.id);
    const unknown = await call(
      'GET',
      '/workflows/0190a1b2-0000-7000-8000-000000000000/receipt',
      writer,
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.type).toMatch(/workflow.not.found$/);
    expect((await call('GET', '/workflows/not-a-uuid/receipt', writer)).status).toBe(404);

    expect(
      (await call('POST', '/tenants', test.admin, { id: 'receipts-other', name: 'Other' })).status,
    ).toBe(201);
    const other = await createKey(test, { scopes: ['workflows:read'], tenantId: 'receipts-other' });
    const foreign = await call('GET', `/workflows/${run.id}/receipt`, other);
    expect(foreign.status).toBe(404);
    expect(foreign.body.type).toMatch(/workflow.not.found$/);

    const auditor = await createKey(test, { scopes: ['audit:read'] });
    expect((await call('GET', `/workflows/${run.id}/receipt`, auditor)).status).toBe(403);
  });

  it('a receipt later than WEBHOOK_RECEIPT_WAIT: the delivery goes without it, once', async () => {
    const late = await startTestApp({
      AUDIT_KEY_FILE: testKeyFile(),
      RATE_LIMIT_PER_MINUTE: '10000000',
      WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8',
      WEBHOOK_RECEIPT_WAIT: '1s',
    });
    const lateReceiver = await WebhookReceiver.start();
    const holder = new Client({ connectionString: late.db.url });
    await holder.connect();
    try {
      const send = async (method: string, path: string, body?: unknown) => {
        const request = late.http[method.toLowerCase() as 'get'](`/api/v1${path}`).set(late.admin);
        const response = body === undefined ? await request : await request.send(body as object);
        return { status: response.status, body: response.body as Json };
      };
      expect(
        (await send('POST', '/agents', { id: 'solo', name: 'solo', skills: [{ name: 'solo' }] }))
          .status,
      ).toBe(201);
      expect(
        (
          await send('POST', '/webhooks/endpoints', {
            url: `${lateReceiver.url}/late`,
            eventTypes: ['workflow.succeeded'],
          })
        ).status,
      ).toBe(201);
      const started = await send('POST', '/workflows', {
        type: 'inline',
        steps: [{ key: 'only', skill: 'solo' }],
      });
      expect(started.status).toBe(201);
      const runId = started.body.data.id as string;
      const claimed = await send('POST', '/agents/solo/tasks/claim', {});
      const task = claimed.body.data.tasks[0] as Json;
      expect(
        (await send('POST', `/tasks/${task.id}/complete`, { leaseToken: task.leaseToken })).status,
      ).toBe(200);
      // The run's row held: its receipt cannot be issued (the issuer reads it FOR SHARE).
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM workflow_runs WHERE id = $1 FOR NO KEY UPDATE', [runId]);
      const sent = await waitFor(
        async () => lateReceiver.on('/late')[0],
        20_000,
        'the delivery sent without waiting any longer',
      );
      await holder.query('COMMIT');
      const body = JSON.parse(sent.body) as Json;
      expect(body.data).toMatchObject({ workflowId: runId, receiptHash: null });
      const receipt = await waitFor(
        async () => {
          const response = await send('GET', `/workflows/${runId}/receipt`);
          return response.status === 200 ? (response.body.data as Json) : undefined;
        },
        20_000,
        'the late receipt',
      );
      expect(receipt.receipt.definition).toMatchObject({ key: 'inline', version: null });
      // The message stays as it was sent: nothing goes out again with the hash.
      await waitFor(
        async () => {
          const { rows } = await holder.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM webhook_receipt_hashes`,
          );
          return rows[0].n === 1 ? true : undefined;
        },
        20_000,
        'the receipt hash recorded',
      );
      const { rows } = await holder.query<{ body: string; attempts: number }>(
        `SELECT m.body, d.attempts FROM webhook_messages m
           JOIN webhook_deliveries d ON d.message_id = m.id WHERE m.event_type = 'workflow.succeeded'`,
      );
      expect(rows).toEqual([{ body: sent.body, attempts: 1 }]);
      expect(lateReceiver.on('/late')).toHaveLength(1);
    } finally {
      await holder.end();
      await lateReceiver.stop();
      await late.close();
    }
  });

  it('issuers on two replicas at once, and a finish handled twice, give one receipt', async () => {
    const second = await startTestApp({ WORKERS: 'off', LOG_LEVEL: 'silent' }, { db: test.db });
    try {
      const runs: Json[] = [];
      for (let i = 0; i < 4; i += 1) {
        const run = await start('one-shot', { n: 10 + i });
        await complete(await claim('reviewer-1'), { i });
        runs.push(run);
      }
      const issuers = [test.app.get(ReceiptIssuer), second.app.get(ReceiptIssuer)];
      /** Both replicas' issuers, twice each at once, until `table` holds `wanted` of the runs. */
      const issueUntil = (table: string, wanted: number, what: string) =>
        waitFor(
          async () => {
            await Promise.all([...issuers, ...issuers].map((issuer) => issuer.issueDue()));
            const { rows } = await db.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM ${table} WHERE run_id = ANY($1::uuid[])`,
              [runs.map((run) => run.id)],
            );
            return rows[0].n === wanted ? true : undefined;
          },
          20_000,
          what,
        );
      await issueUntil('workflow_receipts', runs.length, 'the receipts of four runs');
      // The finish handled again (a redelivered event): nothing new is issued.
      await db.query(
        `INSERT INTO workflow_receipt_queue (run_id, event_id) SELECT id, gen_random_uuid()
           FROM workflow_runs WHERE id = ANY($1::uuid[])`,
        [runs.map((run) => run.id)],
      );
      // The replicas' own issuers may hold the items (SKIP LOCKED passes them here): wait until
      // the queue is drained by whichever issuer took them.
      await issueUntil('workflow_receipt_queue', 0, 'the finishes handled again');
      const { rows } = await db.query<{
        receipts: number;
        events: number;
        entries: number;
        queued: number;
      }>(
        `SELECT (SELECT count(*)::int FROM workflow_receipts WHERE run_id = ANY($1::uuid[])) AS receipts,
                (SELECT count(*)::int FROM events WHERE type = 'workflow.receipt.issued'
                    AND subject_id = ANY($1::varchar[])) AS events,
                (SELECT count(*)::int FROM audit_entries WHERE action = 'workflow_receipt.issue'
                    AND resource_id = ANY($1::varchar[])) AS entries,
                (SELECT count(*)::int FROM workflow_receipt_queue WHERE run_id = ANY($1::uuid[])) AS queued`,
        [runs.map((run) => run.id)],
      );
      expect(rows[0]).toEqual({ receipts: 4, events: 4, entries: 4, queued: 0 });
      // Each replica signs with its own key, the second never sealing: every receipt is served
      // by either replica, whichever issued it.
      const secondKey = second.app.get(AuditService).signWithAuditKey(Buffer.from('')).publicKey;
      const issuedBySecond = async () =>
        (
          await db.query<{ id: string }>(
            `SELECT run_id::text AS id FROM workflow_receipts WHERE public_key = $1 LIMIT 1`,
            [secondKey],
          )
        ).rows[0]?.id;
      // The first replica's own issuer may have taken them all: then more runs, issued by the
      // second only, until it has signed one.
      const bySecond = await waitFor(
        async () => {
          const found = await issuedBySecond();
          if (found) return found;
          const run = await start('one-shot', { n: 99 });
          await complete(await claim('reviewer-1'), { extra: true });
          runs.push(run);
          await second.app.get(ReceiptIssuer).issueDue();
          return issuedBySecond();
        },
        20_000,
        'a receipt signed by the second replica',
      );
      expect(runs.map((run) => run.id)).toContain(bySecond);
      await issueUntil('workflow_receipts', runs.length, 'every receipt');
      for (const run of runs) {
        for (const replica of [test, second]) {
          const served = await replica.http.get(`/api/v1/workflows/${run.id}/receipt`).set(writer);
          expect([run.id, served.status]).toEqual([run.id, 200]);
        }
      }
    } finally {
      await second.close();
    }
  });

  it('a run whose receipt cannot be written is set aside; the others of its batch are issued', async () => {
    // Receipts are issued a batch at a time: one that fails must not take the others with it.
    // First every receipt is refused, so the three runs wait set aside; then all three fall due
    // at once (one batch) and only the poisoned one is refused.
    await db.query(`CREATE TABLE receipt_refusal (mode text NOT NULL)`);
    await db.query(`INSERT INTO receipt_refusal VALUES ('all')`);
    await db.query(`CREATE FUNCTION refuse_receipt() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (SELECT mode FROM receipt_refusal) = 'all'
           OR (SELECT input->>'poison' FROM workflow_runs WHERE id = NEW.run_id) = 'yes' THEN
          RAISE EXCEPTION 'receipt refused';
        END IF;
        RETURN NEW;
      END $$`);
    await db.query(`CREATE TRIGGER refuse_receipt BEFORE INSERT ON workflow_receipts
      FOR EACH ROW EXECUTE FUNCTION refuse_receipt()`);
    const issuer = test.app.get(ReceiptIssuer);
    const queued = (ids: string[]) =>
      db.query<{ runId: string; attempts: number; error: string | null }>(
        `SELECT run_id::text AS "runId", attempts, last_error AS error
           FROM workflow_receipt_queue WHERE run_id = ANY($1::uuid[]) ORDER BY run_id`,
        [ids],
      );
    try {
      const ids: string[] = [];
      for (const input of [{ n: 1 }, { n: 2, poison: 'yes' }, { n: 3 }]) {
        const run = await start('one-shot', input);
        await complete(await claim('reviewer-1'), { ok: true });
        ids.push(run.id as string);
      }
      const [good1, poisoned, good2] = ids;
      await waitFor(
        async () => {
          await issuer.issueDue();
          const { rows } = await queued(ids);
          return rows.length === 3 && rows.every((row) => row.error !== null) ? true : undefined;
        },
        20_000,
        'all three receipts refused and set aside',
      );
      await db.query(`UPDATE receipt_refusal SET mode = 'poisoned'`);
      await db.query(
        `UPDATE workflow_receipt_queue SET next_try_at = now(), last_error = NULL
          WHERE run_id = ANY($1::uuid[])`,
        [ids],
      );
      await issuer.issueDue();
      await waitFor(
        async () => {
          const { rows } = await queued(ids);
          return rows.length === 1 && rows[0].error !== null ? rows : undefined;
        },
        20_000,
        'the poisoned run set aside again',
      ).then((rows) => {
        expect(rows[0]).toMatchObject({
          runId: poisoned,
          error: expect.stringContaining('refused'),
        });
      });
      const { rows } = await db.query<{ runId: string }>(
        `SELECT run_id::text AS "runId" FROM workflow_receipts WHERE run_id = ANY($1::uuid[])`,
        [ids],
      );
      expect(rows.map((row) => row.runId).sort()).toEqual([good1, good2].sort());
      // Set aside, not lost: once it can be written, it is.
      await db.query('DROP TRIGGER refuse_receipt ON workflow_receipts');
      await db.query(`UPDATE workflow_receipt_queue SET next_try_at = now() WHERE run_id = $1`, [
        poisoned,
      ]);
      await issuer.issueDue();
      expect((await receiptOf(poisoned)).receipt.workflowId).toBe(poisoned);
    } finally {
      await db.query('DROP TRIGGER IF EXISTS refuse_receipt ON workflow_receipts');
      await db.query('DROP FUNCTION refuse_receipt()');
      await db.query('DROP TABLE receipt_refusal');
    }
  });
});
