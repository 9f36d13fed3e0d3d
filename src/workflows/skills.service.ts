import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AgentsService } from '../agents/agents.service';
import { currentTenantId } from '../common/context/request-context';
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

  /** Every skill an agent has or a queued task needs, by name. */
  async list(): Promise<SkillSummaryDto[]> {
    const [agents, queues] = await Promise.all([this.agents.agentsBySkill(), this.queues()]);
    const names = [...new Set([...agents.keys(), ...queues.keys()])].sort();
    return names.map((skill) => ({
      skill,
      agentsOnline: agents.get(skill)?.online ?? 0,
      agentsTotal: agents.get(skill)?.total ?? 0,
      queuedTasks: queues.get(skill)?.queued ?? 0,
      oldestQueuedAgeSeconds: queues.get(skill)?.age ?? null,
    }));
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

  private async queues(): Promise<Map<string, { queued: number; age: number | null }>> {
    const rows = await this.dataSource.query<
      Array<{ skill: string; queued: number; age: number | null }>
    >(
      `SELECT skill, count(*)::int AS queued,
              extract(epoch FROM now() - min(available_at) FILTER (WHERE available_at <= now()))::float8 AS age
         FROM workflow_tasks WHERE tenant_id = $1 AND status = 'queued'
        GROUP BY skill`,
      [currentTenantId()],
    );
    return new Map(
      rows.map((row) => [
        row.skill,
        { queued: row.queued, age: row.age === null ? null : Math.max(0, row.age) },
      ]),
    );
  }
}
