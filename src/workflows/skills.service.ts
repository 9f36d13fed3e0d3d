import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AgentsService } from '../agents/agents.service';
import { currentTenantId } from '../common/context/request-context';
import { decodeCursor, MAX_PAGE_SIZE, Page, toPage } from '../common/pagination';
import type { SkillSummaryDto, WarningDto } from './dto/skill.dto';

/** How long a skill found registered is taken as known without asking again. */
const KNOWN_FOR_MS = 60_000;
/** Cached (tenant, skill) pairs at most; past that the cache starts over. */
const KNOWN_MAX = 10_000;

/** Skills as work sees them: who can do it, what waits for it; and steps no agent can do. */
@Injectable()
export class SkillsService {
  /**
   * `tenant skill` → until when it is taken as registered. Run starts name the same few skills
   * again and again: the steady state asks the database nothing. Only positive answers are
   * kept, so a skill registered a moment ago never keeps its warning.
   */
  private readonly known = new Map<string, number>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly agents: AgentsService,
  ) {}

  /**
   * Every skill an agent has or a queued task needs, by name (byte order, as cursors compare
   * them), a page of `limit` after the cursor's name.
   */
  async list(limit = MAX_PAGE_SIZE, cursor?: string): Promise<Page<SkillSummaryDto>> {
    const [after] = decodeCursor(cursor, ['string']) ?? [];
    const rows = await this.dataSource.query<Array<SkillSummaryDto & { age: number | null }>>(
      `WITH names AS (
         SELECT s.skill_id AS skill FROM agent_skills s
          WHERE s.tenant_id = $1 AND ($2::varchar IS NULL OR s.skill_id COLLATE "C" > $2)
         UNION
         SELECT t.skill FROM workflow_tasks t
          WHERE t.tenant_id = $1 AND t.status = 'queued'
            AND ($2::varchar IS NULL OR t.skill COLLATE "C" > $2)),
       page AS (SELECT skill FROM names ORDER BY skill COLLATE "C" LIMIT $3)
       SELECT p.skill, a.online AS "agentsOnline", a.total AS "agentsTotal",
              q.queued AS "queuedTasks", q.age
         FROM page p
         CROSS JOIN LATERAL (
           SELECT count(*)::int AS total,
                  count(*) FILTER (WHERE g.status IN ('online', 'degraded'))::int AS online
             FROM agent_skills s JOIN agents g ON g.tenant_id = s.tenant_id AND g.id = s.agent_id
            WHERE s.tenant_id = $1 AND s.skill_id = p.skill) a
         CROSS JOIN LATERAL (
           SELECT count(*)::int AS queued,
                  extract(epoch FROM now() - min(available_at) FILTER (WHERE available_at <= now()))::float8 AS age
             FROM workflow_tasks
            WHERE tenant_id = $1 AND status = 'queued' AND skill = p.skill) q
        ORDER BY p.skill COLLATE "C"`,
      [currentTenantId(), after ?? null, limit + 1],
    );
    const items = rows.map(({ age, ...row }) => ({
      ...row,
      oldestQueuedAgeSeconds: age === null ? null : Math.max(0, age),
    }));
    return toPage(items, limit, (item) => [item.skill]);
  }

  /**
   * A warning per step whose skill no agent of the tenant has ever registered: accepted (the
   * agent may come later), but a typo would otherwise wait silently forever. Steps that run
   * without an agent have no skill and are skipped.
   */
  async unknownSkillWarnings(
    steps: ReadonlyArray<{ skill?: unknown; kind?: unknown }>,
  ): Promise<WarningDto[]> {
    try {
      return await this.warningsFor(steps);
    } catch {
      // Advice only: asked after the change committed, it must not turn its answer into a 503
      // (a retry with the same Idempotency-Key then replays the answer without it).
      return [];
    }
  }

  private async warningsFor(
    steps: ReadonlyArray<{ skill?: unknown; kind?: unknown }>,
  ): Promise<WarningDto[]> {
    // Steps of other kinds are stored with an empty skill: no agent works them.
    const named = steps
      .map((step, index) => ({ index, skill: step.skill, kind: step.kind ?? 'task' }))
      .filter(
        (step): step is { index: number; skill: string; kind: string } =>
          step.kind === 'task' && typeof step.skill === 'string' && step.skill !== '',
      );
    const known = await this.registered([...new Set(named.map((s) => s.skill))]);
    return named
      .filter((step) => !known.has(step.skill))
      .map((step) => ({
        field: `steps[${step.index}].skill`,
        message: `no agent has registered skill "${step.skill}": its tasks wait until one does`,
      }));
  }

  private async registered(skills: string[]): Promise<Set<string>> {
    const tenantId = currentTenantId();
    const now = Date.now();
    const isKnown = (skill: string) => (this.known.get(`${tenantId} ${skill}`) ?? 0) > now;
    const unsure = skills.filter((skill) => !isKnown(skill));
    if (unsure.length > 0) {
      if (this.known.size >= KNOWN_MAX) this.known.clear();
      for (const skill of await this.agents.registeredSkills(unsure)) {
        this.known.set(`${tenantId} ${skill}`, now + KNOWN_FOR_MS);
      }
    }
    return new Set(skills.filter(isKnown));
  }
}
