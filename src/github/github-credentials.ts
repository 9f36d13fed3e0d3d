import { Injectable } from '@nestjs/common';
import { createAppAuth } from '@octokit/auth-app';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
import { GithubCallError, GithubNotConfiguredError } from './github.errors';
import { githubOctokit } from './octokit';

/** An installation token is fetched again when it has less than this left. */
const REFRESH_BEFORE_MS = 5 * 60_000;

/**
 * Who github steps act as. A GitHub App: an installation token for the installation of the
 * event that started the run (`installation.id`), from one @octokit/auth-app instance per
 * process, whose cache keeps each token (59 minutes; it does not read `expires_at`, so a token
 * closer than REFRESH_BEFORE_MS to its expiry is fetched anew here). Else a token. Secrets
 * never leave this class except in the Authorization header.
 */
@Injectable()
export class GithubCredentials {
  private readonly appAuth: ReturnType<typeof createAppAuth> | undefined;

  constructor(@InjectConfig() private readonly config: AppConfig) {
    const { appId, appPrivateKey } = config.github;
    this.appAuth =
      appId && appPrivateKey
        ? createAppAuth({
            appId,
            privateKey: appPrivateKey,
            request: githubOctokit({ baseUrl: config.github.apiUrl }).request,
          })
        : undefined;
  }

  get configured(): boolean {
    return this.appAuth !== undefined || this.config.github.token !== undefined;
  }

  /** 422 when github steps are given and no credentials are set (a definition is refused). */
  assertConfiguredFor(steps: Array<{ key: string; kind?: string }>): void {
    if (this.configured) return;
    const github = steps.filter((step) => step.kind === 'github');
    if (github.length === 0) return;
    throw new GithubNotConfiguredError(
      github.map((step) => ({
        field: step.key === 'onFinish' ? 'onFinish' : `steps[${steps.indexOf(step)}]`,
        message: `step "${step.key}" calls GitHub, and no GitHub credentials are configured`,
      })),
    );
  }

  /**
   * The token for a call about an event of `installationId`: the App's installation token when
   * an App is set and the event names its installation, else GITHUB_TOKEN.
   */
  async tokenFor(installationId: number | undefined): Promise<string> {
    if (this.appAuth && installationId !== undefined) {
      let auth = await this.installationToken(installationId, false);
      if (Date.parse(auth.expiresAt) - Date.now() < REFRESH_BEFORE_MS)
        auth = await this.installationToken(installationId, true);
      return auth.token;
    }
    if (this.config.github.token) return this.config.github.token;
    if (this.appAuth) {
      throw new GithubCallError(
        'The run input names no GitHub App installation (payload.installation.id), and GITHUB_TOKEN is not set.',
        'github_no_installation',
        false,
      );
    }
    throw new GithubCallError(
      'No GitHub credentials are configured (GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY, or GITHUB_TOKEN).',
      'github_not_configured',
      false,
    );
  }

  private installationToken(installationId: number, refresh: boolean) {
    return this.appAuth!({ type: 'installation', installationId, refresh });
  }
}
