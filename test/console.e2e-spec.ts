/**
 * The operator console in a real browser: Debian's Chromium driven by playwright-core against
 * the production app (built console served at /console) on a real PostgreSQL. HTTP test agents
 * and a real webhook receiver play the fleet; the test acts the way an operator does (roles
 * and visible text) and runs axe-core on every page at desktop and phone sizes.
 */
import axe from 'axe-core';
import { mkdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { buildConsoleIfStale } from './utils/console-build';
import { createKey, listenOnLoopback, startTestApp, type TestApp } from './utils/test-app';
import { waitFor } from './utils/spawn-app';
import { WebhookReceiver } from './webhooks-out-receiver';

jest.setTimeout(180_000);

const ROOT = join(__dirname, '..');
const ARTIFACTS = join(ROOT, 'test-artifacts', 'console');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const UI_WAIT = 30_000;

/** What the functions run in the page use of it (the server's tsconfig has no DOM types). */
interface PageGlobals {
  localStorage: { length: number };
  document: { documentElement: { scrollWidth: number; clientWidth: number } };
  getComputedStyle(element: unknown): { fill: string };
  axe: typeof axe;
  navigator: {
    clipboard?: { readText(): Promise<string>; writeText(text: string): Promise<void> };
  };
}

/** A time as the console's `datetime-local` inputs show it (this machine's zone, as Chromium's). */
const localInput = (at: number) =>
  new Date(at - new Date(at).getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('operator console (Chromium)', () => {
  let test: TestApp;
  let base = '';
  let browser: Browser;
  let receiver: WebhookReceiver;
  let worker: { authorization: string };
  let desktop: BrowserContext;
  let page: Page;
  const cspViolations: string[] = [];
  let runId = '';

  const api = async (method: string, path: string, body?: unknown, headers = test.admin) => {
    const response = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: {
        ...headers,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Json };
  };

  /** An HTTP agent: claims the one task of its skill and completes it. */
  const completeOne = async (agentId: string, output: Json) => {
    const task = await waitFor(
      async () => {
        const claimed = await api('POST', `/agents/${agentId}/tasks/claim`, { max: 1 }, worker);
        expect(claimed.status).toBe(200);
        return (claimed.body.data.tasks as Json[])[0];
      },
      UI_WAIT,
      `a task for ${agentId}`,
    );
    const done = await api(
      'POST',
      `/tasks/${task.id}/complete`,
      { leaseToken: task.leaseToken, output },
      worker,
    );
    expect(done.status).toBe(200);
  };

  const newPage = async (viewport: { width: number; height: number }) => {
    const context = await browser.newContext({ viewport });
    const opened = await context.newPage();
    opened.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    return { context, page: opened };
  };

  const signIn = async (target: Page, key: string) => {
    await target.goto(`${base}/console`);
    await target.getByLabel('API key').fill(key);
    await target.getByRole('button', { name: 'Sign in' }).click();
    await target.getByRole('navigation', { name: 'Console' }).waitFor({ timeout: UI_WAIT });
  };

  const nav = async (target: Page, name: string) => {
    await target.getByRole('navigation', { name: 'Console' }).getByRole('link', { name }).click();
    await target.getByRole('heading', { level: 1, name }).waitFor({ timeout: UI_WAIT });
  };

  /** axe-core in the page (evaluated, not injected as a script: the CSP forbids inline ones). */
  const expectAccessible = async (target: Page, what: string) => {
    await target.evaluate(axe.source);
    const violations = await target.evaluate(async () => {
      const page = globalThis as unknown as PageGlobals & { document: axe.ElementContext };
      const result = await page.axe.run(page.document);
      return result.violations
        .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
        .map((violation) => ({
          id: violation.id,
          impact: violation.impact,
          nodes: violation.nodes.slice(0, 3).map((node) => node.html),
        }));
    });
    expect({ page: what, violations }).toEqual({ page: what, violations: [] });
  };

  const shot = async (target: Page, name: string) => {
    await target.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  };

  beforeAll(async () => {
    // Global setup built it; a run of this file alone against a stale build rebuilds it here.
    buildConsoleIfStale();
    mkdirSync(ARTIFACTS, { recursive: true });
    receiver = await WebhookReceiver.start();
    test = await startTestApp({
      WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8',
      WEBHOOK_RETRY_SCHEDULE: '0,500ms',
    });
    base = await listenOnLoopback(test);
    worker = await createKey(test, { scopes: ['tasks:work', 'agents:write'] });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    ({ context: desktop, page } = await newPage(DESKTOP));
    // The copy buttons are tested by reading the clipboard back.
    await desktop.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });

    for (const [id, name, skill] of [
      ['builder-1', 'Builder One', 'build'],
      ['shipper-1', 'Shipper One', 'ship'],
    ]) {
      const registered = await api('PUT', `/agents/${id}`, {
        name,
        skills: [{ id: skill, name: skill, tags: ['ci'] }],
        labels: { region: 'eu' },
      });
      expect(registered.status).toBe(201);
    }
    const definition = await api('POST', '/workflow-definitions', {
      key: 'release',
      steps: [
        { key: 'build', skill: 'build' },
        { key: 'review', kind: 'approval', dependsOn: ['build'], description: 'Ship it?' },
        { key: 'ship', skill: 'ship', dependsOn: ['review'] },
      ],
    });
    expect(definition.status).toBe(201);
    receiver.script('/hook', { status: 500, body: 'receiver down' });
    const endpoint = await api('POST', '/webhooks/endpoints', {
      url: `${receiver.url}/hook`,
      eventTypes: ['workflow.started'],
    });
    expect(endpoint.status).toBe(201);
  });

  afterAll(async () => {
    await browser?.close();
    await receiver?.stop();
    await test?.close();
  });

  it('serves the console at /console with a strict CSP and immutable hashed assets', async () => {
    const index = await test.http.get('/console/runs/some-deep-link');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toMatch(/^text\/html/);
    expect(index.headers['cache-control']).toBe('no-cache');
    const csp = index.headers['content-security-policy'];
    for (const directive of [
      "script-src 'self'",
      "connect-src 'self'",
      "object-src 'none'",
      "frame-ancestors 'none'",
    ]) {
      expect(csp).toContain(directive);
    }
    expect(csp).not.toContain('unsafe-inline');
    expect(index.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    // Its icon is in the page (img-src allows data:): no request for /favicon.ico, no 404.
    expect(index.text).toMatch(/<link\s+rel="icon"[^>]*href="data:image\/svg\+xml,/);
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(index.text)?.[1];
    expect(script).toBeDefined();
    const asset = await test.http.get(script!);
    expect(asset.status).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['content-type']).toMatch(/javascript/);
    // The whole script the console loads, gzipped, stays under its 300 KB budget.
    expect(gzipSync(Buffer.from(asset.text)).length).toBeLessThan(300 * 1024);
    const missing = await test.http.get('/console/assets/nothing-here.js');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/problem\+json/);
  });

  it('signs in with an API key, refusing a wrong one with the problem and its correlation id', async () => {
    await page.goto(`${base}/console`);
    await expectAccessible(page, 'sign-in');
    await page.getByLabel('API key').fill('amk_not-a-real-key-000000000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor({ timeout: UI_WAIT });
    expect(await alert.textContent()).toMatch(/Correlation id/);
    expect(
      await page.evaluate(() => (globalThis as unknown as PageGlobals).localStorage.length),
    ).toBe(0);

    await signIn(page, test.admin.authorization.replace('Bearer ', ''));
    const links = page.getByRole('navigation', { name: 'Console' }).getByRole('link');
    expect(await links.allTextContents()).toEqual([
      'Overview',
      'Fleet',
      'Runs',
      'Definitions',
      'Webhooks',
      'Audit',
      'Keys',
    ]);
    expect(await page.getByText('Tenant').first().isVisible()).toBe(true);
    expect(page.url()).not.toContain('amk_');
    expect(
      await page.evaluate(() => (globalThis as unknown as PageGlobals).localStorage.length),
    ).toBe(0);
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await page.getByRole('region', { name: 'Agents by status' }).waitFor();
    await expectAccessible(page, 'overview');
  });

  it('Fleet shows the agents a client registered, and an agent page with its A2A card', async () => {
    await nav(page, 'Fleet');
    await page.getByRole('link', { name: 'Builder One' }).waitFor({ timeout: UI_WAIT });
    await page.getByLabel('Skill').fill('ship');
    await page.getByRole('link', { name: 'Shipper One' }).waitFor({ timeout: UI_WAIT });
    expect(await page.getByRole('link', { name: 'Builder One' }).count()).toBe(0);
    await page.getByLabel('Skill').fill('');
    await page.getByRole('link', { name: 'Builder One' }).waitFor({ timeout: UI_WAIT });
    await expectAccessible(page, 'fleet');
    await shot(page, 'fleet');

    await page.getByRole('link', { name: 'Builder One' }).click();
    await page.getByRole('heading', { name: 'A2A card' }).waitFor({ timeout: UI_WAIT });
    await page.getByLabel('A2A agent card').waitFor({ timeout: UI_WAIT });
    expect(await page.getByLabel('A2A agent card').textContent()).toContain('Builder One');
    await expectAccessible(page, 'agent');
  });

  it('starts a run and watches its steps turn green live, approving the waiting step', async () => {
    let navigations = 0;
    await nav(page, 'Runs');
    const form = page.getByRole('form', { name: 'Start a run' });
    await form.getByLabel('Definition').selectOption('release');
    await form.getByLabel('Input (JSON)').fill('{"version": "1.2.0"}');
    await form.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/\/console\/runs\/[^/]+$/, { timeout: UI_WAIT });
    runId = page.url().split('/').pop()!;
    const step = (key: string, status: string) =>
      page.getByRole('button', { name: new RegExp(`^${key} ${status}`) });
    await step('build', 'queued').waitFor({ timeout: UI_WAIT });
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations++;
    });
    await page.getByText('live').first().waitFor({ timeout: UI_WAIT });

    await completeOne('builder-1', { artifact: 'app-1.2.0.tgz' });
    await step('build', 'succeeded').waitFor({ timeout: UI_WAIT });
    await step('review', 'waiting').waitFor({ timeout: UI_WAIT });
    const fill = await step('build', 'succeeded')
      .locator('rect')
      .evaluate((rect) => (globalThis as unknown as PageGlobals).getComputedStyle(rect).fill);
    expect(fill).toBe('rgb(201, 240, 210)');

    await step('review', 'waiting').click();
    await page
      .getByRole('form', { name: 'Decide the approval' })
      .getByLabel('Comment')
      .fill('lgtm');
    await page.getByRole('button', { name: 'Approve' }).click();
    await step('review', 'succeeded').waitFor({ timeout: UI_WAIT });
    await step('ship', 'queued').waitFor({ timeout: UI_WAIT });

    await completeOne('shipper-1', { url: 'https://example.test/1.2.0' });
    await step('ship', 'succeeded').waitFor({ timeout: UI_WAIT });
    await page.getByText('finished: no further updates').waitFor({ timeout: UI_WAIT });
    expect(navigations).toBe(0);

    await step('build', 'succeeded').click();
    const attempts = page.getByRole('region', { name: 'Attempts of build' });
    await attempts.waitFor({ timeout: UI_WAIT });
    expect(await attempts.textContent()).toContain('builder-1');
    await expectAccessible(page, 'run');
    await shot(page, 'run');

    // The run's address is a deep link that survives a reload.
    await page.reload();
    await step('ship', 'succeeded').waitFor({ timeout: UI_WAIT });
    const run = await api('GET', `/workflows/${runId}`);
    expect(run.body.data.status).toBe('succeeded');
  });

  it('starts nothing when no definition is chosen', async () => {
    await nav(page, 'Runs');
    const before = await api('GET', '/workflows?limit=200');
    const form = page.getByRole('form', { name: 'Start a run' });
    const definition = form.getByLabel('Definition');
    expect(await definition.inputValue()).toBe('');
    await form.getByRole('button', { name: 'Start run' }).click();
    // The browser holds the form back: the choice is required.
    expect(
      await definition.evaluate(
        (select) =>
          (select as unknown as { validity: { valueMissing: boolean } }).validity.valueMissing,
      ),
    ).toBe(true);
    await new Promise((done) => setTimeout(done, 500));
    expect(new URL(page.url()).pathname).toBe('/console/runs');
    const after = await api('GET', '/workflows?limit=200');
    expect(after.body.data.workflows).toHaveLength(before.body.data.workflows.length);
  });

  it('Overview counts every run of the last hour, past the 200 a page holds', async () => {
    const idle = await api('POST', '/workflow-definitions', {
      key: 'idle',
      steps: [{ key: 'wait', skill: 'nobody-has-it' }],
    });
    expect(idle.status).toBe(201);
    for (let i = 0; i < 205; i++) {
      expect((await api('POST', '/workflows', { definitionKey: 'idle' })).status).toBe(201);
    }
    const cancelled = await api('POST', '/workflows/cancel', { definitionKey: 'idle' });
    expect(cancelled.body.data.cancelled).toBe(205);
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const summary = await api('GET', `/workflows/summary?since=${encodeURIComponent(since)}`);
    expect(summary.status).toBe(200);
    const { created, finishedByStatus } = summary.body.data as Json;
    expect(created).toBe(206);

    await nav(page, 'Overview');
    const runs = page.getByRole('region', { name: 'Runs in the last hour' });
    await runs
      .getByRole('img', {
        name:
          `Runs in the last hour: started ${created}, ` +
          `succeeded ${finishedByStatus.succeeded}, failed ${finishedByStatus.failed}`,
      })
      .waitFor({ timeout: UI_WAIT });
    expect(await runs.textContent()).not.toMatch(/latest|approximate/i);
    await expectAccessible(page, 'overview (counts)');
    await shot(page, 'overview');
  });

  it("pages a long run's history instead of cutting it at the first 200 events", async () => {
    const started = await api('POST', '/workflows', {
      type: 'chatty',
      steps: [{ key: 'wait', skill: 'nobody-has-it' }],
    });
    expect(started.status).toBe(201);
    const id = started.body.data.id as string;
    // Signals kept for a later wait: one history event each.
    for (let i = 0; i < 230; i++) {
      expect((await api('POST', `/workflows/${id}/signals`, { name: `s-${i}` })).status).toBe(200);
    }
    await page.goto(`${base}/console/runs/${id}`);
    const history = page.getByRole('region', { name: 'Run history' });
    await history.getByText('workflow.created').waitFor({ timeout: UI_WAIT });
    expect(await history.locator('tbody tr').count()).toBe(200);
    await page
      .getByRole('navigation', { name: 'Pages' })
      .getByRole('button', { name: 'Next page' })
      .click();
    await waitFor(
      async () => ((await history.locator('tbody tr').count()) < 200 ? true : undefined),
      UI_WAIT,
      'the second page of the history',
    );
    const total = (await api('GET', `/workflows/${id}/events?limit=200`)).body.meta.nextCursor;
    expect(total).toEqual(expect.any(String));
    const rows = await history.locator('tbody tr').count();
    expect(rows).toBeGreaterThan(0);
    expect(200 + rows).toBeGreaterThanOrEqual(232);
  });

  it("a fan-out step shows its elements' counts and tasks", async () => {
    const agent = await api('PUT', '/agents/fanner-1', {
      name: 'Fanner',
      skills: [
        { id: 'plan', name: 'plan' },
        { id: 'work', name: 'work' },
      ],
    });
    expect(agent.status).toBe(201);
    const started = await api('POST', '/workflows', {
      type: 'fanned',
      steps: [
        { key: 'plan', skill: 'plan' },
        { key: 'fan', skill: 'work', forEach: '$.steps.plan.output.items', dependsOn: ['plan'] },
      ],
    });
    expect(started.status).toBe(201);
    await completeOne('fanner-1', { items: ['a', 'b', 'c'] });
    await completeOne('fanner-1', { done: true });
    await page.goto(`${base}/console/runs/${started.body.data.id}`);
    await page.getByRole('button', { name: /^fan / }).click({ timeout: UI_WAIT });
    await page
      .getByText('3 elements: 1 succeeded, 0 failed, 0 running, 2 queued, 0 cancelled.')
      .waitFor({ timeout: UI_WAIT });
    const elements = page.getByRole('region', { name: 'Elements of fan' });
    expect(await elements.locator('tbody tr').count()).toBe(3);
    expect(await elements.textContent()).toContain('fanner-1');
  });

  it("an agent's page lists its recent tasks, each linked to its run", async () => {
    await nav(page, 'Fleet');
    await page.getByRole('link', { name: 'Builder One' }).click();
    const recent = page.getByRole('region', { name: 'Recent tasks' });
    await recent.waitFor({ timeout: UI_WAIT });
    const toRun = recent.getByRole('link', { name: runId.slice(0, 8) });
    await toRun.waitFor({ timeout: UI_WAIT });
    expect(await recent.textContent()).toContain('succeeded');
    await toRun.click();
    await page.waitForURL(new RegExp(`/console/runs/${runId}$`), { timeout: UI_WAIT });
    await expectAccessible(page, 'agent-tasks');
  });

  it('retries a dead webhook delivery', async () => {
    const dead = await waitFor(
      async () => {
        const list = await api('GET', '/webhooks/deliveries?status=dead');
        return (list.body.data.deliveries as Json[])[0];
      },
      UI_WAIT,
      'a dead delivery',
    );
    receiver.script('/hook', { status: 200, body: 'ok' });
    // A second endpoint whose deliveries are not this one's: each row names its endpoint, and
    // the list narrows to one.
    const other = await api('POST', '/webhooks/endpoints', {
      url: `${receiver.url}/other`,
      eventTypes: ['workflow.started'],
      description: 'Other receiver',
    });
    expect(other.status).toBe(201);
    await nav(page, 'Webhooks');
    await page.getByLabel('Delivery status').selectOption('dead');
    const section = page.getByRole('region', { name: 'Deliveries', exact: true }).first();
    const deliveries = page.getByRole('region', { name: 'Deliveries', exact: true }).last();
    await deliveries.getByText(`${receiver.url}/hook`).first().waitFor({ timeout: UI_WAIT });
    await section.getByLabel('Endpoint').selectOption('Other receiver');
    await deliveries.getByText(`${receiver.url}/hook`).first().waitFor({
      state: 'detached',
      timeout: UI_WAIT,
    });
    await section.getByLabel('Endpoint').selectOption('');
    const show = page.getByRole('button', { name: `Show delivery ${dead.eventType}` }).first();
    await show.click();
    // The first dead delivery of the list: another may have died since `dead` was read.
    const panel = page.getByRole('region', { name: /^Delivery [0-9a-f-]{36}$/ });
    await panel.waitFor({ timeout: UI_WAIT });
    const shown = (await panel.getAttribute('aria-label'))!.slice('Delivery '.length);
    await panel.getByRole('button', { name: 'Retry delivery' }).click();
    await panel.getByText('Queued to be sent again.').waitFor({ timeout: UI_WAIT });
    const delivered = await waitFor(
      async () => {
        const one = await api('GET', `/webhooks/deliveries/${shown}`);
        return one.body.data.status === 'succeeded' ? one.body.data : undefined;
      },
      UI_WAIT,
      'the retried delivery to succeed',
    );
    expect(delivered.attempts.length).toBeGreaterThanOrEqual(3);
    await expectAccessible(page, 'webhooks');

    // The Overview's delivery figures are the server's counts of the last 24 hours.
    const since = new Date(Date.now() - 86_400_000).toISOString();
    const summary = await api(
      'GET',
      `/webhooks/deliveries/summary?since=${encodeURIComponent(since)}`,
    );
    const counts = summary.body.data.byStatus as Record<string, number>;
    expect(counts.succeeded).toBeGreaterThanOrEqual(1);
    await nav(page, 'Overview');
    const deliveriesPanel = page.getByRole('region', {
      name: 'Webhook deliveries in the last 24 hours',
    });
    await deliveriesPanel
      .getByRole('img', {
        name:
          `Deliveries by status: pending ${counts.pending}, succeeded ${counts.succeeded}, ` +
          `failed ${counts.failed}, dead ${counts.dead}`,
      })
      .waitFor({ timeout: UI_WAIT });
    const rate = Math.round((counts.succeeded / (counts.succeeded + counts.dead)) * 100);
    expect(await deliveriesPanel.getByText(/^\d+%$/).textContent()).toBe(`${rate}%`);
  });

  it("recovers an endpoint's failed deliveries of a chosen window, checked before asking", async () => {
    receiver.script('/window', { status: 500, body: 'down' });
    const endpoint = await api('POST', '/webhooks/endpoints', {
      url: `${receiver.url}/window`,
      eventTypes: ['agent.registered'],
    });
    expect(endpoint.status).toBe(201);
    const endpointId = endpoint.body.data.id as string;
    expect(
      (await api('PUT', '/agents/window-1', { name: 'Window One', skills: [{ name: 'w' }] }))
        .status,
    ).toBe(201);
    const dead = await waitFor(
      async () => {
        const list = await api('GET', `/webhooks/deliveries?endpointId=${endpointId}&status=dead`);
        return (list.body.data.deliveries as Json[])[0];
      },
      UI_WAIT,
      'a dead delivery to /window',
    );
    receiver.script('/window', { status: 200, body: 'ok' });

    // The endpoint was added behind the console's back: a reload lists it.
    await nav(page, 'Webhooks');
    await page.reload();
    const form = page.getByRole('form', { name: 'Recover window' });
    const from = form.getByLabel('Recover from');
    const until = form.getByLabel('Recover until');
    // The default window is the last 24 hours.
    const defaultFrom = Date.parse(await from.inputValue());
    expect(Math.abs(Date.now() - 86_400_000 - defaultFrom)).toBeLessThan(120_000);
    expect(Date.parse(await until.inputValue())).toBeGreaterThan(Date.now() - 60_000);

    const row = page.getByRole('row', { name: new RegExp(`${receiver.url}/window`) });
    const recover = row.getByRole('button', { name: 'Recover' });
    await until.fill(await from.inputValue());
    await page.getByText('The window must end after it starts.').waitFor({ timeout: UI_WAIT });
    expect(await recover.isDisabled()).toBe(true);
    await from.fill(localInput(Date.now() + 3_600_000));
    await until.fill(localInput(Date.now() + 7_200_000));
    await page.getByText('The window cannot start in the future.').waitFor({ timeout: UI_WAIT });
    expect(await recover.isDisabled()).toBe(true);

    // Yesterday's window holds nothing of today's failure: nothing is sent again.
    await from.fill(localInput(Date.now() - 2 * 86_400_000));
    await until.fill(localInput(Date.now() - 86_400_000));
    await recover.click();
    await page.getByText('0 deliveries queued again.').waitFor({ timeout: UI_WAIT });
    expect((await api('GET', `/webhooks/deliveries/${dead.id}`)).body.data.status).toBe('dead');

    // The last hour holds it.
    await from.fill(localInput(Date.now() - 3_600_000));
    await until.fill(localInput(Date.now() + 120_000));
    await recover.click();
    await page.getByText('1 delivery queued again.').waitFor({ timeout: UI_WAIT });
    await waitFor(
      async () => {
        const one = await api('GET', `/webhooks/deliveries/${dead.id}`);
        return one.body.data.status === 'succeeded' ? one.body.data : undefined;
      },
      UI_WAIT,
      'the recovered delivery to succeed',
    );
    await expectAccessible(page, 'webhooks (recover window)');
  });

  it('verifies the audit chain', async () => {
    await nav(page, 'Audit');
    await page.getByRole('button', { name: 'Verify chain' }).click();
    const result = page.getByText(/^Chain intact: \d+ entries checked/);
    await result.waitFor({ timeout: UI_WAIT });
    expect(await result.isVisible()).toBe(true);
    // The entries (header row plus at least one entry).
    await page
      .getByRole('region', { name: 'Audit entries' })
      .getByRole('row')
      .nth(1)
      .waitFor({ timeout: UI_WAIT });
    await expectAccessible(page, 'audit');
  });

  it('creates a key whose secret is shown once, and shows the definitions graph', async () => {
    await nav(page, 'Keys');
    const form = page.getByRole('form', { name: 'Create a key' });
    await form.getByLabel('Name').fill('reader');
    await form.getByLabel('agents:read').check();
    await form.getByRole('button', { name: 'Create key' }).click();
    const secret = page.getByRole('region', { name: 'New key' });
    await secret.waitFor({ timeout: UI_WAIT });
    const key = await secret.getByLabel('Secret of the new key').inputValue();
    expect(key).toMatch(/^amk_/);
    await expectAccessible(page, 'keys');

    // The button puts the key on the clipboard (whatever was there before) and says so.
    const clipboard = (target: Page) =>
      target.evaluate(() => (globalThis as unknown as PageGlobals).navigator.clipboard!.readText());
    await page.evaluate(() =>
      (globalThis as unknown as PageGlobals).navigator.clipboard!.writeText('something else'),
    );
    expect(await clipboard(page)).toBe('something else');
    await secret.getByRole('button', { name: 'Copy key' }).click();
    await secret.getByText('Copied.').waitFor({ timeout: UI_WAIT });
    expect(await clipboard(page)).toBe(key);

    // Without the Clipboard API (a console served over plain HTTP has none) the button copies
    // the selected field instead.
    const plain = await desktop.newPage();
    try {
      await plain.addInitScript(() => {
        const { navigator } = globalThis as unknown as PageGlobals;
        Object.defineProperty(Object.getPrototypeOf(navigator), 'clipboard', {
          get: () => undefined,
        });
      });
      await signIn(plain, test.admin.authorization.replace('Bearer ', ''));
      await nav(plain, 'Keys');
      const plainForm = plain.getByRole('form', { name: 'Create a key' });
      await plainForm.getByLabel('Name').fill('plain reader');
      await plainForm.getByLabel('agents:read').check();
      await plainForm.getByRole('button', { name: 'Create key' }).click();
      const plainSecret = plain.getByRole('region', { name: 'New key' });
      const plainKey = await plainSecret.getByLabel('Secret of the new key').inputValue();
      expect(plainKey).not.toBe(key);
      expect(
        await plain.evaluate(() => (globalThis as unknown as PageGlobals).navigator.clipboard),
      ).toBeUndefined();
      await plainSecret.getByRole('button', { name: 'Copy key' }).click();
      await plainSecret.getByText('Copied.').waitFor({ timeout: UI_WAIT });
      expect(await clipboard(page)).toBe(plainKey);
    } finally {
      await plain.close();
    }
    await secret.getByRole('button', { name: 'Done' }).click();
    expect(await page.getByRole('region', { name: 'New key' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Revoke reader' }).waitFor({ timeout: UI_WAIT });

    await nav(page, 'Definitions');
    await page.getByRole('button', { name: 'Show release' }).click();
    await page.getByRole('img', { name: /^review approval/ }).waitFor({ timeout: UI_WAIT });
    await expectAccessible(page, 'definitions');

    // Wide glyphs get the room they take: every line of text ends inside its box.
    const wide = await api('POST', '/workflow-definitions', {
      key: 'wide',
      steps: [
        { key: 'wwwwwwwwwwwwwwwwwwwwwwwwwwwwww', skill: 'echo' },
        {
          key: 'mmmmmmmmmmmmmmmmmmmmmmmm-www',
          skill: 'echo',
          dependsOn: ['wwwwwwwwwwwwwwwwwwwwwwwwwwwwww'],
        },
      ],
    });
    expect(wide.status).toBe(201);
    await page.reload();
    await page.getByRole('button', { name: 'Show wide' }).click({ timeout: UI_WAIT });
    const box = page.getByRole('img', { name: /^wwww/ });
    await box.waitFor({ timeout: UI_WAIT });
    const overflows = await page.locator('g.node').evaluateAll((nodes) =>
      nodes.flatMap((node) => {
        const rect = node.querySelector('rect') as unknown as {
          width: { baseVal: { value: number } };
        };
        const lines = [...node.querySelectorAll('tspan')] as unknown as Array<{
          textContent: string;
          getComputedTextLength(): number;
        }>;
        return lines
          .filter((line) => 12 + line.getComputedTextLength() > rect.width.baseVal.value)
          .map((line) => line.textContent);
      }),
    );
    expect(overflows).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it('explains a 403 to a key without the scope, with the correlation id', async () => {
    const reader = await createKey(test, { scopes: ['agents:read'] });
    const { context, page: readerPage } = await newPage(DESKTOP);
    try {
      await signIn(readerPage, reader.key);
      await readerPage.goto(`${base}/console/runs/${runId}`);
      const alert = readerPage.getByRole('alert');
      await alert.waitFor({ timeout: UI_WAIT });
      const text = await alert.textContent();
      expect(text).toMatch(/Forbidden/);
      expect(text).toMatch(/lacks the scope/);
      expect(text).toMatch(/Correlation id/);
      await nav(readerPage, 'Keys');
      await readerPage.getByText(/needs the scope keys:admin/).waitFor();
      await expectAccessible(readerPage, 'forbidden');
      // Pages the scopes do not allow say so at once, without asking the API for a 403.
      const asked: string[] = [];
      readerPage.on('request', (request) => asked.push(new URL(request.url()).pathname));
      await nav(readerPage, 'Runs');
      await readerPage.getByText('Reading runs needs the scope workflows:read').waitFor();
      await nav(readerPage, 'Definitions');
      await readerPage.getByText('Reading definitions needs the scope workflows:read').waitFor();
      expect(
        asked.filter((path) => /^\/api\/v1\/(workflows|workflow-definitions)/.test(path)),
      ).toEqual([]);
      const runReader = await createKey(test, { scopes: ['workflows:read'] });
      await readerPage.getByRole('button', { name: 'Sign out' }).click();
      await signIn(readerPage, runReader.key);
      await nav(readerPage, 'Fleet');
      await readerPage.getByText('Seeing the fleet needs the scope agents:read').waitFor();
      expect(asked.filter((path) => path.startsWith('/api/v1/agents'))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('is usable on a 390-pixel-wide phone', async () => {
    const { context, page: phone } = await newPage(PHONE);
    try {
      await signIn(phone, test.admin.authorization.replace('Bearer ', ''));
      const overflow = () =>
        phone.evaluate(() => {
          const { documentElement } = (globalThis as unknown as PageGlobals).document;
          return documentElement.scrollWidth - documentElement.clientWidth;
        });
      for (const name of ['Overview', 'Fleet', 'Runs', 'Webhooks']) {
        await nav(phone, name);
        await expectAccessible(phone, `${name} (phone)`);
        expect({ page: name, overflow: await overflow() }).toEqual({ page: name, overflow: 0 });
      }
      await phone.goto(`${base}/console/runs/${runId}`);
      await phone.getByRole('button', { name: /^ship succeeded/ }).waitFor({ timeout: UI_WAIT });
      await expectAccessible(phone, 'run (phone)');
      expect(await overflow()).toBeLessThanOrEqual(0);
      await shot(phone, 'run-phone');
    } finally {
      await context.close();
    }
    await desktop.close();
  });
});
