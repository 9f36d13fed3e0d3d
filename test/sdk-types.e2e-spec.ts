import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, TestApp } from './utils/test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SDK = join(__dirname, '..', 'packages', 'sdk');
const GENERATED = join(SDK, 'src', 'generated', 'openapi.ts');

/** Runs the SDK's generator (openapi-typescript's Node API) on a document, in memory. */
function regenerate(document: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(SDK, 'scripts', 'generate-types.mjs'), '--stdin', '--stdout'],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`generator exited ${code}: ${err}`)),
    );
    child.stdin.end(document);
  });
}

/** The schema a $ref or a single-entry allOf points at. */
function resolve(document: Json, schema: Json): Json {
  if (schema.$ref) {
    const name = String(schema.$ref).replace('#/components/schemas/', '');
    return resolve(document, document.components.schemas[name]);
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length === 1)
    return resolve(document, schema.allOf[0]);
  return schema;
}

/** Whether a schema admits a value of this JSON kind (enough of JSON Schema for these checks). */
function admits(document: Json, schema: Json, value: unknown): boolean {
  const target = resolve(document, schema);
  if (value === null) return target.nullable === true || target.type === undefined;
  for (const combinator of ['oneOf', 'anyOf'])
    if (Array.isArray(target[combinator]))
      return (target[combinator] as Json[]).some((option) => admits(document, option, value));
  if (target.type === undefined) return true;
  const kind = Array.isArray(value) ? 'array' : typeof value;
  if (target.type === 'integer') return Number.isInteger(value);
  if (target.type !== kind) return false;
  if (kind === 'object') {
    const required = (target.required ?? []) as string[];
    return required.every((field) => field in (value as Json));
  }
  return true;
}

describe('SDK types and the OpenAPI document', () => {
  let test: TestApp;
  let document: Json;
  let documentText: string;

  beforeAll(async () => {
    test = await startTestApp();
    const response = await test.http.get('/docs-json');
    expect(response.status).toBe(200);
    documentText = response.text;
    document = JSON.parse(documentText);
  });
  afterAll(() => test?.close());

  const schema = (name: string): Json => document.components.schemas[name];
  const api = (method: 'get' | 'post', path: string, body?: unknown) =>
    body === undefined
      ? test.http[method](`/api/v1${path}`).set(test.admin)
      : test.http[method](`/api/v1${path}`)
          .set(test.admin)
          .send(body as object);

  it('the committed types are what the running app documents (run npm run sdk:types)', async () => {
    const committed = readFileSync(GENERATED, 'utf8');
    const fresh = await regenerate(documentText);
    expect(fresh).toBe(committed);
  });

  it('a heartbeat without status is refused, and the document marks status required', async () => {
    await api('post', '/agents', { id: 'typed-1', name: 'Typed', skills: [{ name: 'echo' }] });
    const response = await api('post', '/agents/typed-1/heartbeat', { inFlight: 0 });
    expect(response.status).toBe(400);
    expect(schema('HeartbeatDto').required).toContain('status');
  });

  it('task output, task error and run error are documented as the API answers them', async () => {
    await api('post', '/agents', { id: 'typed-2', name: 'Typed', skills: [{ name: 'shape' }] });
    const started = await api('post', '/workflows', {
      type: 'typed',
      steps: [
        { key: 'text', skill: 'shape' },
        { key: 'boom', skill: 'shape', dependsOn: ['text'], maxAttempts: 1 },
      ],
    });
    expect(started.status).toBe(201);
    const runId = started.body.data.id as string;

    const first = await api('post', '/agents/typed-2/tasks/claim', { waitSeconds: 5 });
    const text = first.body.data.tasks[0] as Json;
    const output = 'a plain string is JSON too';
    const completed = await api('post', `/tasks/${text.id}/complete`, {
      leaseToken: text.leaseToken,
      output,
    });
    expect(completed.status).toBe(200);
    expect(admits(document, schema('CompleteDto').properties.output, output)).toBe(true);

    const second = await api('post', '/agents/typed-2/tasks/claim', { waitSeconds: 5 });
    const boom = second.body.data.tasks[0] as Json;
    const failed = await api('post', `/tasks/${boom.id}/fail`, {
      leaseToken: boom.leaseToken,
      error: { message: 'no', code: 'E_NO' },
    });
    expect(failed.status).toBe(200);

    const run = (await api('get', `/workflows/${runId}`)).body.data as Json;
    expect(run.status).toBe('failed');
    const [textStep, boomStep] = run.steps as Json[];
    const taskView = schema('TaskViewDto').properties;
    expect(textStep.task.output).toBe(output);
    expect(admits(document, taskView.output, textStep.task.output)).toBe(true);
    expect(admits(document, taskView.error, boomStep.task.error)).toBe(true);
    // An error is documented with its fields, not as any object.
    expect(resolve(document, taskView.error).required).toEqual(['message']);
    // A run's error names its step when a step failed; a run cancelled for its concurrency key
    // has none, so stepKey is documented but not required.
    const runError = resolve(document, schema('RunDto').properties.error);
    expect(runError.required).toEqual(expect.arrayContaining(['reason', 'message']));
    expect(Object.keys(runError.properties)).toEqual(expect.arrayContaining(['stepKey']));
    expect(admits(document, schema('RunDto').properties.error, run.error)).toBe(true);
  });
});
