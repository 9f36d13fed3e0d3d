import type { FieldError } from '../common/errors/domain-error';
import { templateErrors } from '../github/templates';
import { dependencyPathAs, readsTaskInput } from './dependency-paths';

export const GITHUB_ACTIONS = ['comment', 'status'] as const;
export type GithubAction = (typeof GITHUB_ACTIONS)[number];
export const COMMIT_STATES = ['error', 'failure', 'pending', 'success'] as const;
export type CommitState = (typeof COMMIT_STATES)[number];

/** The fields of a `github` step (`description` is shared with approvals). */
export interface GithubFields {
  action?: GithubAction;
  /** comment: the body template. */
  body?: string;
  /** `owner/name` or a JSON path (`$.input.payload.repository.full_name` when absent). */
  repo?: string;
  /** An issue or pull request number, or a JSON path to one. */
  issue?: number | string;
  /** status: the state; absent: `pending` in a run, the outcome in `onFinish`. */
  state?: CommitState;
  /** status: the status's name on the commit (`agentmesh/review`). */
  context?: string;
  /** status: a 40-hex commit or a JSON path (`$.input.payload.pull_request.head.sha`). */
  sha?: string;
  /** status: the link shown with it; absent: the run in the console. */
  targetUrl?: string;
}

export const GITHUB_FIELDS = [
  'action',
  'body',
  'repo',
  'issue',
  'state',
  'context',
  'sha',
  'targetUrl',
] as const satisfies ReadonlyArray<keyof GithubFields>;

/** GitHub's limits: a comment body, a status description, a status context. */
export const MAX_COMMENT_CHARS = 65_536;
export const MAX_STATUS_DESCRIPTION_CHARS = 140;
export const MAX_CONTEXT_CHARS = 255;

const REPO = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;
const SHA = /^[0-9a-f]{40}$/;
/** A JSON path into the step's task input: the run input, or a dependency's output. */
const JSON_PATH = /^\$\.(input|dependencies)(\.[A-Za-z0-9_-]+){1,15}$/;
/** A dependency's output named as a fan-out reads it (`$.steps.<key>.output...`). */
const RUN_FORM = /^\$\.steps\.(.+?)\.output((?:\.[A-Za-z0-9_-]+)*)$/;

/**
 * Why a github step's JSON path (`repo`, `issue`, `sha`) cannot be read (undefined: it can, or
 * it is no path): one a task's input never holds would fail every run at the call.
 * `dependencies`: the steps whose outputs its input holds (undefined: any, as `onFinish`'s).
 */
function pathError(
  value: unknown,
  example: string,
  dependencies: string[] | undefined,
): string | undefined {
  if (typeof value !== 'string' || !value.startsWith('$.')) return undefined;
  if (JSON_PATH.test(value)) {
    const named = /^\$\.dependencies\.([^.]+)/.exec(value);
    const held = (dep: string) =>
      value === `$.dependencies.${dep}` || value.startsWith(`$.dependencies.${dep}.`);
    return named && dependencies !== undefined && !dependencies.some(held)
      ? `reads step "${named[1].slice(0, 64)}", which is not in dependsOn: a task's input holds its dependencies' outputs only`
      : undefined;
  }
  const runForm = RUN_FORM.exec(value);
  const rewritten =
    dependencies === undefined
      ? runForm && `$.dependencies.${runForm[1]}${runForm[2]}`
      : dependencyPathAs('taskInput', value, dependencies);
  return rewritten
    ? readsTaskInput(rewritten)
    : `must be a JSON path into the task input ($.input.<path> or $.dependencies.<step>.<path>) such as ${example}`;
}

/**
 * What a github step must have and may hold; errors name `steps[i].field`. `dependencies`: the
 * steps whose outputs its task input holds (its dependsOn; undefined for `onFinish`, whose
 * input holds every step's).
 */
export function githubStepErrors(
  step: GithubFields & { description?: string },
  at: string,
  dependencies: string[] | undefined,
): FieldError[] {
  const errors: FieldError[] = [];
  const error = (name: string, message: string) => errors.push({ field: `${at}.${name}`, message });
  const only = (names: Array<keyof GithubFields | 'description'>, action: GithubAction) => {
    for (const name of names)
      if ((step as Record<string, unknown>)[name] !== undefined)
        error(name, `a github ${action} step has no ${name}`);
  };
  if (step.action === undefined || !(GITHUB_ACTIONS as readonly string[]).includes(step.action)) {
    error('action', 'a github step needs an action: comment or status');
    return errors;
  }
  const repoPath = pathError(step.repo, '$.input.payload.repository.full_name', dependencies);
  if (repoPath) error('repo', repoPath);
  else if (step.repo !== undefined && (typeof step.repo !== 'string' || !isRepoOrPath(step.repo)))
    error('repo', 'must be owner/name or a JSON path such as $.input.payload.repository.full_name');
  if (step.action === 'comment') {
    only(['state', 'context', 'description', 'sha', 'targetUrl'], 'comment');
    if (typeof step.body !== 'string' || step.body.length === 0)
      error('body', 'a github comment step needs a body (a template)');
    else errors.push(...templateErrors(step.body, `${at}.body`, MAX_COMMENT_CHARS));
    const issue = step.issue;
    const issuePath = pathError(issue, '$.input.payload.issue.number', dependencies);
    if (issuePath) error('issue', issuePath);
    else if (
      issue !== undefined &&
      !(typeof issue === 'number' && Number.isInteger(issue) && issue >= 1) &&
      !(typeof issue === 'string' && JSON_PATH.test(issue))
    )
      error('issue', 'must be an issue number or a JSON path such as $.input.payload.issue.number');
    return errors;
  }
  only(['body', 'issue'], 'status');
  if (typeof step.context !== 'string' || step.context.length === 0)
    error('context', 'a github status step needs a context (e.g. agentmesh/review)');
  else if (step.context.length > MAX_CONTEXT_CHARS)
    error('context', `must be at most ${MAX_CONTEXT_CHARS} characters`);
  if (step.state !== undefined && !(COMMIT_STATES as readonly string[]).includes(step.state))
    error('state', `must be one of ${COMMIT_STATES.join(', ')}`);
  if (step.description !== undefined)
    errors.push(...templateErrors(step.description, `${at}.description`, 2000));
  const shaPath = pathError(step.sha, '$.input.payload.pull_request.head.sha', dependencies);
  if (shaPath) error('sha', shaPath);
  else if (
    step.sha !== undefined &&
    (typeof step.sha !== 'string' || !(SHA.test(step.sha) || JSON_PATH.test(step.sha)))
  )
    error(
      'sha',
      'must be a 40-hex commit sha or a JSON path such as $.input.payload.pull_request.head.sha',
    );
  if (step.targetUrl !== undefined && !isHttpUrl(step.targetUrl))
    error('targetUrl', 'must be an http(s) URL');
  return errors;
}

function isRepoOrPath(value: string): boolean {
  return REPO.test(value) || JSON_PATH.test(value);
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > 2000) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
