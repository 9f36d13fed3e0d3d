import { Module } from '@nestjs/common';
import { GithubClient } from './github-client';
import { GithubCredentials } from './github-credentials';

/** Calls to GitHub for github steps: credentials (App installation tokens or a token) and REST. */
@Module({
  providers: [GithubCredentials, GithubClient],
  exports: [GithubCredentials, GithubClient],
})
export class GithubModule {}
