import { capText, render, TemplateContext } from '../github/templates';
import { GithubCallError } from '../github/github.errors';
import type { GithubTarget } from '../github/github-client';
import { ON_FINISH_KEY, StepSpec } from './dag';
import { CommitState, MAX_COMMENT_CHARS, MAX_STATUS_DESCRIPTION_CHARS } from './github-spec';
import type { RunStatus } from './state-machine';
import { valueAt } from './wait-steps';

/** Where a github step's defaults are read: the GitHub event that started the run. */
export const DEFAULT_REPO = '$.input.payload.repository.full_name';
export const DEFAULT_ISSUES = [
  '$.input.payload.issue.number',
  '$.input.payload.pull_request.number',
];
export const DEFAULT_SHA = '$.input.payload.pull_request.head.sha';
const INSTALLATION = '$.input.payload.installation.id';

export type GithubCall =
  | { action: 'comment'; target: GithubTarget; issue: number; body: string; marker: string }
  | {
      action: 'status';
      target: GithubTarget;
      sha: string;
      state: CommitState;
      context: string;
      description: string | undefined;
      targetUrl: string;
    };

export interface CallContext {
  runId: string;
  runStatus: RunStatus;
  /** `{input: <run input>, dependencies}`: what JSON paths are read from. */
  taskInput: unknown;
  /** Outputs of the run's succeeded steps, by key. */
  outputs: Record<string, unknown>;
  publicUrl: string;
}

/** The hidden line that marks a comment as this step's, so a retry can find it. */
export function commentMarker(runId: string, stepKey: string): string {
  return `<!-- agentmesh:run/${runId}/step/${stepKey} -->`;
}

/**
 * The call a github step makes, from its spec and the run: repo, issue and sha from the step
 * or from the event that started the run, templates rendered and capped at GitHub's limits.
 * Throws a GithubCallError (not retried) when the target cannot be resolved.
 */
export function planGithubCall(step: StepSpec, context: CallContext): GithubCall {
  const root = context.taskInput;
  const repo = resolve(root, step.repo ?? DEFAULT_REPO);
  if (typeof repo !== 'string' || !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repo))
    throw unresolved(`the repository (${step.repo ?? DEFAULT_REPO}) is not owner/name in the run`);
  const installation = valueAt(root, INSTALLATION);
  const target: GithubTarget = {
    repo,
    // An id GitHub could have sent (a positive whole number); anything else names none.
    installationId:
      typeof installation === 'number' && Number.isSafeInteger(installation) && installation > 0
        ? installation
        : undefined,
  };
  const templates: TemplateContext = {
    run: { id: context.runId, status: context.runStatus },
    input: valueAt(root, 'input'),
    steps: context.outputs,
  };
  if (step.action === 'comment') {
    const paths = step.issue === undefined ? DEFAULT_ISSUES : [step.issue];
    const issue = paths.map((path) => resolve(root, path)).find((value) => value !== undefined);
    const number = typeof issue === 'string' && /^\d+$/.test(issue) ? Number(issue) : issue;
    if (typeof number !== 'number' || !Number.isInteger(number) || number < 1)
      throw unresolved(`the issue (${paths.join(' or ')}) is not an issue number in the run`);
    const marker = commentMarker(context.runId, step.key);
    const text = capText(
      render(step.body ?? '', templates, 'markdown'),
      MAX_COMMENT_CHARS - marker.length - 2,
      '\n\n… (cut at GitHub’s comment limit)',
    );
    return { action: 'comment', target, issue: number, body: `${text}\n\n${marker}`, marker };
  }
  const sha = resolve(root, step.sha ?? DEFAULT_SHA);
  if (typeof sha !== 'string' || !/^[0-9a-f]{40}$/i.test(sha))
    throw unresolved(`the commit (${step.sha ?? DEFAULT_SHA}) is not a commit sha in the run`);
  const description =
    step.description === undefined
      ? undefined
      : capText(render(step.description, templates, 'plain'), MAX_STATUS_DESCRIPTION_CHARS);
  return {
    action: 'status',
    target,
    sha: sha.toLowerCase(),
    state: step.state ?? defaultState(step.key, context.runStatus),
    context: step.context ?? 'agentmesh',
    description: description === '' ? undefined : description,
    targetUrl: step.targetUrl ?? `${context.publicUrl}/console/runs/${context.runId}`,
  };
}

/** A status step in a run says the work is under way; `onFinish` says how the run ended. */
function defaultState(stepKey: string, runStatus: RunStatus): CommitState {
  if (stepKey !== ON_FINISH_KEY) return 'pending';
  if (runStatus === 'succeeded') return 'success';
  if (runStatus === 'failed') return 'failure';
  return 'error';
}

function resolve(root: unknown, value: string | number): unknown {
  return typeof value === 'string' && value.startsWith('$.') ? valueAt(root, value) : value;
}

function unresolved(what: string): GithubCallError {
  return new GithubCallError(
    `The github step cannot run: ${what}. Set it on the step, or start the run from a GitHub event.`,
    'github_target_unresolved',
    false,
  );
}
