/**
 * The console's view of the fleet at scale and of quarantines, in Debian's Chromium driven by
 * playwright-core against the production app on a real PostgreSQL: the Overview counts every
 * agent (more than a discovery page holds, from GET /agents/summary); an agent quarantined by
 * failing its task through the API shows as such on the Fleet list, its page and its standing;
 * a key that may not release it is told why; the operator releases it and the pages follow.
 */
import axe from 'axe-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildConsoleIfStale } from './utils/console-build';
import { createKey, listenOnLoopback, startTestApp, type TestApp } from './utils/test-app';
import { waitFor } from './utils/spawn-app';

jest.setTimeout(180_000);

const ROOT = join(__dirname, '..');
const ARTIFACTS = join(ROOT, 'test-artifacts', 'console');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const UI_WAIT = 30_000;
/** Agents registered besides the quarantined one: more than a discovery page (200) holds. */
const FLEET = 204;

/** What the functions run in the page use of it (the server's tsconfig has no DOM types). */
interface PageGlobals {
  document: { documentElement: { scrollWidth: number; clientWidth: number } };
  axe: typeof axe;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('operator console: fleet counts and quarantines (Chromium)', () => {
  let test: TestApp;
  let base = '';
  let browser: Browser;
  let page: Page;
  const cspViolations: string[] = [];

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

  const openAgent = async (target: Page, id: string) => {
    await target.goto(`${base}/console/fleet/${id}`);
    await target.getByRole('heading', { name: 'A2A card' }).waitFor({ timeout: UI_WAIT });
  };

  beforeAll(async () => {
    buildConsoleIfStale();
    mkdirSync(ARTIFACTS, { recursive: true });
    test = await startTestApp({ RATE_LIMIT_PER_MINUTE: '10000000' });
    base = await listenOnLoopback(test);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });

    for (let i = 0; i < FLEET; i++) {
      const id = `worker-${String(i).padStart(3, '0')}`;
      const registered = await api('PUT', `/agents/${id}`, {
        name: `Worker ${i}`,
        // Worker 0 reviews too: flaky is not the last healthy reviewer, so it is quarantined
        // (not spared as the skill's last agent).
        skills:
          i === 0
            ? [
                { id: 'build', name: 'build' },
                { id: 'review', name: 'review' },
              ]
            : [{ id: 'build', name: 'build' }],
        // Long enough that none goes offline while the test runs, however loaded the machine.
        heartbeatIntervalSeconds: 3600,
      });
      expect(registered.status).toBe(201);
    }
    const flaky = await api('PUT', '/agents/flaky', {
      name: 'Flaky Reviewer',
      heartbeatIntervalSeconds: 3600,
      skills: [
        { id: 'review', name: 'review' },
        { id: 'build', name: 'build' },
      ],
    });
    expect(flaky.status).toBe(201);

    // One failed task of one sample is under the threshold: flaky is quarantined from review,
    // for an hour (only a release ends it within the test).
    const settings = await api('PATCH', '/routing/settings', {
      quarantineThreshold: 0.5,
      quarantineMinSamples: 1,
      outcomeWindow: 1,
      quarantineCooldownSeconds: 3600,
    });
    expect(settings.status).toBe(200);
    expect(
      (await api('POST', '/workflows', { type: 'review', steps: [{ key: 'r', skill: 'review' }] }))
        .status,
    ).toBe(201);
    const claimed = await api('POST', '/agents/flaky/tasks/claim', { max: 1 });
    const [task] = claimed.body.data.tasks as Json[];
    const failed = await api('POST', `/tasks/${task.id}/fail`, {
      leaseToken: task.leaseToken,
      error: { message: 'missed the bug' },
      retryable: false,
    });
    expect(failed.status).toBe(200);
    await waitFor(
      async () => {
        const agent = await api('GET', '/agents/flaky');
        return (agent.body.data.quarantines as Json[]).length > 0 ? true : undefined;
      },
      UI_WAIT,
      'the quarantine',
    );

    ({ page } = await newPage(DESKTOP));
    await signIn(page, test.admin.authorization.replace('Bearer ', ''));
  });

  afterAll(async () => {
    await browser?.close();
    await test?.close();
  });

  it('Overview counts every agent of the tenant, past the 200 a page holds', async () => {
    const summary = await api('GET', '/agents/summary');
    expect(summary.body.data).toMatchObject({
      total: FLEET + 1,
      byStatus: { online: FLEET + 1, degraded: 0, draining: 0, offline: 0 },
      quarantined: 1,
    });
    const panel = page.getByRole('region', { name: 'Agents by status' });
    await panel
      .getByRole('img', {
        name: `Agents by status: online ${FLEET + 1}, degraded 0, draining 0, offline 0`,
      })
      .waitFor({ timeout: UI_WAIT });
    expect(await panel.textContent()).toContain(`${FLEET + 1}agents; 1 quarantined from a skill`);
    await expectAccessible(page, 'overview (agents)');
    await shot(page, 'overview-agents');
  });

  it('Fleet shows which agents are quarantined, from which skill and until when', async () => {
    const { until } = ((await api('GET', '/agents/flaky')).body.data.quarantines as Json[])[0];
    await nav(page, 'Fleet');
    await page.getByLabel('Skill').fill('review');
    const row = page.getByRole('row', { name: /Flaky Reviewer/ });
    await row.waitFor({ timeout: UI_WAIT });
    const cell = row.getByRole('cell').nth(3);
    expect(await cell.textContent()).toMatch(/^review until /);
    expect(await cell.locator('time').getAttribute('datetime')).toBe(until);
    // An agent without a quarantine says so.
    await page.getByLabel('Skill').fill('build');
    const worker = page.getByRole('row', { name: /Worker 0\b/ });
    await worker.waitFor({ timeout: UI_WAIT });
    expect(await worker.getByRole('cell').nth(3).textContent()).toBe('—');
    await page.getByLabel('Skill').fill('review');
    await row.waitFor({ timeout: UI_WAIT });
    await expectAccessible(page, 'fleet (quarantined)');
    await shot(page, 'fleet-quarantined');
  });

  it("the agent's page shows the quarantine, its reason and its standing", async () => {
    await openAgent(page, 'flaky');
    const quarantines = page.getByRole('region', { name: 'Quarantined skills' });
    await quarantines.waitFor({ timeout: UI_WAIT });
    const row = quarantines.getByRole('row', { name: /review/ });
    expect(await row.textContent()).toContain('0 of 1 succeeded (lower bound 0.000)');
    await row.getByRole('button', { name: 'Release from review' }).waitFor();
    // The standing: review quarantined (from the leaderboard too), build gets tasks.
    const standing = page.getByRole('region', { name: 'Skills and leaderboard standing' });
    const review = standing.getByRole('row', { name: /^review/ });
    await review.getByText('quarantined').waitFor({ timeout: UI_WAIT });
    // Ranked among the reviewers (worker 0 reviews too).
    await review.getByText(/^[12] of 2$/).waitFor({ timeout: UI_WAIT });
    expect(await review.textContent()).toContain('0 / 1');
    expect(await standing.getByRole('row', { name: /^build/ }).textContent()).toContain(
      'gets tasks',
    );
    await expectAccessible(page, 'agent (quarantined)');
    await shot(page, 'agent-quarantined');
  });

  it('a page that fails to render shows a problem in its place; the console stays usable', async () => {
    // An agent made under a route's name before the API refused such ids: its page reads the
    // route's answer (the summary), of another shape.
    const sql = new Client({ connectionString: test.db.url });
    await sql.connect();
    try {
      await sql.query(
        `INSERT INTO agents (tenant_id, id, name, description, labels, heartbeat_interval_seconds,
                             status, last_heartbeat_at)
         VALUES ('default', 'summary', 'Summary', '', '{}'::jsonb, 30, 'online', now())`,
      );
      await page.goto(`${base}/console/fleet/summary`);
      const alert = page.getByRole('alert').filter({ hasText: 'This page could not be shown' });
      await alert.waitFor({ timeout: UI_WAIT });
      // Navigation is still there, and the next page starts afresh.
      await nav(page, 'Fleet');
      expect(await alert.count()).toBe(0);
    } finally {
      await sql.query(`DELETE FROM agents WHERE tenant_id = 'default' AND id = 'summary'`);
      await sql.end();
    }
  });

  it('hides Release from a key without agents:write, and explains the 403 an agent gets', async () => {
    const reader = await createKey(test, { scopes: ['agents:read'] });
    const own = await createKey(test, {
      scopes: ['agents:read', 'agents:write'],
      agentId: 'flaky',
    });
    const { context, page: other } = await newPage(DESKTOP);
    try {
      await signIn(other, reader.key);
      await openAgent(other, 'flaky');
      const quarantines = other.getByRole('region', { name: 'Quarantines' });
      await quarantines.getByText('needs the scope agents:write').waitFor({ timeout: UI_WAIT });
      expect(await quarantines.getByRole('button').count()).toBe(0);
      await other.getByRole('button', { name: 'Sign out' }).click();

      // The agent's own key may write agents but not release itself: the 403, explained.
      await signIn(other, own.key);
      await openAgent(other, 'flaky');
      await other.getByRole('button', { name: 'Release from review' }).click();
      const alert = other.getByRole('region', { name: 'Quarantines' }).getByRole('alert');
      await alert.waitFor({ timeout: UI_WAIT });
      const text = await alert.textContent();
      expect(text).toMatch(/Forbidden/);
      expect(text).toMatch(/Correlation id/);
      await expectAccessible(other, 'agent (release refused)');
    } finally {
      await context.close();
    }
    const agent = await api('GET', '/agents/flaky');
    expect(agent.body.data.quarantines).toHaveLength(1);
  });

  it('releases the agent from the console, and the pages follow without a reload', async () => {
    let navigations = 0;
    page.on('framenavigated', () => navigations++);
    await openAgent(page, 'flaky');
    navigations = 0;
    await page.getByRole('button', { name: 'Release from review' }).click();
    await page
      .getByRole('region', { name: 'Quarantines' })
      .waitFor({ state: 'detached', timeout: UI_WAIT });
    const standing = page.getByRole('region', { name: 'Skills and leaderboard standing' });
    await standing
      .getByRole('row', { name: /^review/ })
      .getByText('gets tasks')
      .waitFor({ timeout: UI_WAIT });
    expect(navigations).toBe(0);
    expect((await api('GET', '/agents/flaky')).body.data.quarantines).toEqual([]);
    const audit = await api(
      'GET',
      '/audit?resourceType=agent&resourceId=flaky&action=agent.release',
    );
    expect(audit.body.data.entries.map((entry: Json) => entry.after.reason)).toEqual(['operator']);

    await nav(page, 'Fleet');
    await page.getByLabel('Skill').fill('review');
    const row = page.getByRole('row', { name: /Flaky Reviewer/ });
    await row.waitFor({ timeout: UI_WAIT });
    expect(await row.getByRole('cell').nth(3).textContent()).toBe('—');
    await nav(page, 'Overview');
    await page
      .getByRole('region', { name: 'Agents by status' })
      .getByText(`agents; 0 quarantined from a skill`)
      .waitFor({ timeout: UI_WAIT });
  });

  it('is usable on a 390-pixel-wide phone, and no page broke the CSP', async () => {
    const { context, page: phone } = await newPage(PHONE);
    try {
      await signIn(phone, test.admin.authorization.replace('Bearer ', ''));
      await openAgent(phone, 'flaky');
      await expectAccessible(phone, 'agent (phone)');
      const overflow = () =>
        phone.evaluate(() => {
          const { documentElement } = (globalThis as unknown as PageGlobals).document;
          return documentElement.scrollWidth - documentElement.clientWidth;
        });
      expect(await overflow()).toBeLessThanOrEqual(0);
      // A description of one long word wraps in its box; the page does not scroll sideways.
      const long = await api('PUT', '/agents/long-words', {
        name: 'Long words',
        description: 'x'.repeat(2000),
        skills: [{ name: 'build' }],
      });
      expect(long.status).toBe(201);
      await openAgent(phone, 'long-words');
      expect(await overflow()).toBeLessThanOrEqual(0);
    } finally {
      await context.close();
    }
    expect(cspViolations).toEqual([]);
  });
});
