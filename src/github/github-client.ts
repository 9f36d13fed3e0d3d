import { Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
import { callFailure } from './call-failure';
import { GithubCredentials } from './github-credentials';
import { GithubCallError } from './github.errors';
import { githubRequests } from './github-metrics';
import { githubOctokit, GithubOctokit } from './octokit';

/** Where a call goes: `owner/name`, and the App installation of the event (if any). */
export interface GithubTarget {
  repo: string;
  installationId: number | undefined;
}

export interface Created {
  url: string;
  id: number;
}

/** Pages of an issue's comments read when looking for a step's marker (100 a page). */
const MAX_COMMENT_PAGES = 10;

type Action = 'comment' | 'status' | 'find_comment' | 'token';

/** The GitHub REST calls github steps make, through Octokit; failures as `GithubCallError`. */
@Injectable()
export class GithubClient {
  constructor(
    private readonly credentials: GithubCredentials,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /**
   * Posts `body` (which ends with `marker`) on the issue or pull request. `lookFirst` (a
   * retry, or an attempt taken over after its worker stopped): the issue's comments since
   * `since` are searched for the marker first, and one found is answered instead of posting.
   */
  async comment(
    target: GithubTarget,
    issue: number,
    body: string,
    marker: string,
    lookFirst: { since: Date } | undefined,
  ): Promise<Created & { existing: boolean }> {
    const octokit = await this.octokit(target);
    const [owner, repo] = target.repo.split('/');
    if (lookFirst) {
      const found = await this.call('find_comment', () =>
        this.findComment(octokit, owner, repo, issue, marker, lookFirst.since),
      );
      if (found) return { ...found, existing: true };
    }
    const data = await this.call('comment', () =>
      octokit
        .request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
          owner,
          repo,
          issue_number: issue,
          body,
          request: { retries: 0 },
        })
        .then(({ data, status }) => created(data, 'html_url', status)),
    );
    return { ...data, existing: false };
  }

  /** Sets a commit status (setting the same one again is harmless: no marker needed). */
  async status(
    target: GithubTarget,
    sha: string,
    status: {
      state: 'error' | 'failure' | 'pending' | 'success';
      context: string;
      description: string | undefined;
      targetUrl: string;
    },
  ): Promise<Created> {
    const octokit = await this.octokit(target);
    const [owner, repo] = target.repo.split('/');
    return this.call('status', () =>
      octokit
        .request('POST /repos/{owner}/{repo}/statuses/{sha}', {
          owner,
          repo,
          sha,
          state: status.state,
          context: status.context,
          target_url: status.targetUrl,
          ...(status.description ? { description: status.description } : {}),
          request: { retries: 0 },
        })
        .then(({ data, status }) => created(data, 'url', status)),
    );
  }

  private async octokit(target: GithubTarget): Promise<GithubOctokit> {
    const token = await this.call('token', () =>
      this.credentials.tokenFor(target.installationId),
    ).catch((error: GithubCallError) => {
      // Said of the token, not of the repository or issue the step was about to call.
      if (target.installationId === undefined || error.code === 'github_no_installation')
        throw error;
      throw new GithubCallError(
        `The installation token of GitHub App installation ${target.installationId}: ${error.message}`.slice(
          0,
          1000,
        ),
        error.code,
        error.retryable,
        error.retryAfterSeconds,
      );
    });
    return githubOctokit({ baseUrl: this.config.github.apiUrl, auth: token });
  }

  private async findComment(
    octokit: GithubOctokit,
    owner: string,
    repo: string,
    issue: number,
    marker: string,
    since: Date,
  ): Promise<Created | undefined> {
    for (let page = 1; page <= MAX_COMMENT_PAGES; page += 1) {
      const { data } = await octokit.request(
        'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
        {
          owner,
          repo,
          issue_number: issue,
          since: since.toISOString(),
          per_page: 100,
          page,
        },
      );
      const comments: unknown = data;
      if (!Array.isArray(comments)) throw unreadable(200, 'a list of comments');
      const found = (comments as Array<{ body?: unknown }>).find(
        (comment) => typeof comment?.body === 'string' && comment.body.includes(marker),
      );
      if (found) return created(found, 'html_url', 200);
      if (comments.length < 100) return undefined;
    }
    return undefined;
  }

  /** One call, counted by outcome; its failure as a GithubCallError. */
  private async call<T>(action: Action, work: () => Promise<T>): Promise<T> {
    try {
      const result = await work();
      githubRequests.inc({ action, outcome: 'ok' });
      return result;
    } catch (error) {
      const failure = callFailure(error);
      githubRequests.inc({ action, outcome: failure.retryable ? 'retryable' : 'failed' });
      throw failure;
    }
  }
}

/**
 * What GitHub says it created, `{url, id}`, read from its answer; an answer without them (cut
 * short, not JSON) is an error the step retries: a comment's next attempt looks for its marker
 * first, so it is not posted twice, and setting a status again changes nothing.
 */
function created(data: unknown, urlField: 'html_url' | 'url', status: number): Created {
  const answer = (data ?? {}) as Record<string, unknown>;
  const url = answer[urlField];
  const id = answer.id;
  if (typeof url !== 'string' || typeof id !== 'number') {
    throw unreadable(status, `\`${urlField}\` and \`id\``);
  }
  return { url, id };
}

function unreadable(status: number, what: string): GithubCallError {
  return new GithubCallError(
    `GitHub answered ${status} without ${what} that could be read; retried`,
    'github_unreadable_answer',
    true,
  );
}
