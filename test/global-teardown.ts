import { rm } from 'node:fs/promises';
import type { EmbeddedDatabase } from '../src/database/embedded-postgres';

export default async function globalTeardown(): Promise<void> {
  const state = globalThis as {
    __AGENTMESH_EMBEDDED__?: EmbeddedDatabase;
    __AGENTMESH_TEST_DIR__?: string;
    __AGENTMESH_TEST_KEYS_DIR__?: string;
  };
  await state.__AGENTMESH_EMBEDDED__?.stop();
  if (state.__AGENTMESH_TEST_DIR__)
    await rm(state.__AGENTMESH_TEST_DIR__, { recursive: true, force: true });
  if (state.__AGENTMESH_TEST_KEYS_DIR__)
    await rm(state.__AGENTMESH_TEST_KEYS_DIR__, { recursive: true, force: true });
}
