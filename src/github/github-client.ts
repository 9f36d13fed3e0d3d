import { Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
import { callFailure } from './call-failure';
import { GithubCredentials } from './github-credentials';
import { GithubCallError } from './github.errors';
import { githubRequests } from './github-metrics';
import { githubOctokit, GithubOctokit, REQUEST_TIMEOUT_MS } from './octokit';

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
    const { data } = await this.call('comment', () =>
      octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
        owner,
        repo,
        issue_number: issue,
        body,
        request: { retries: 0, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) },
      }),
    );
    return { url: data.html_url, id: data.id, existing: false };
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
    const { data } = await this.call('status', () =>
      octokit.request('POST /repos/{owner}/{repo}/statuses/{sha}', {
        owner,
        repo,
        sha,
        state: status.state,
        context: status.context,
        target_url: status.targetUrl,
        ...(status.description ? { description: status.description } : {}),
        request: { retries: 0, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) },
      }),
    );
    return { url: data.url, id: data.id };
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
          request: { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) },
        },
      );
      const found = data.find((comment) => comment.body?.includes(marker));
      if (found) return { url: found.html_url, id: found.id };
      if (data.length < 100) return undefined;
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
