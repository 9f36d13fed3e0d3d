// First: OpenTelemetry must patch http and pg before anything loads them (a no-op when off).
import './tracing';
import 'reflect-metadata';
import { createApp } from './bootstrap';
import { createRootLogger } from './common/logging/logging.options';
import { AppConfig, ConfigError, loadConfig } from './config/config';
import { awaitDatabase, DatabaseUnusableError } from './database/database-preflight';
import { EmbeddedDatabase, EmbeddedPostgresMissingError } from './database/embedded-postgres';
import { installShutdown } from './shutdown';
import { ApiKeysService } from './auth/api-keys.service';
import { firstStartBanner } from './first-start-banner';
import { readSigningKeyFile } from './audit/audit-signer';

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const log = createRootLogger(config).child({ context: 'Bootstrap' });
  try {
    if (!config.auditSigningKey) readSigningKeyFile(config.auditKeyFile);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }

  let embedded: EmbeddedDatabase | undefined;
  if (!config.databaseUrl) {
    log.info(
      `DATABASE_URL is unset: starting the embedded PostgreSQL (data under ${config.embeddedDataDir})`,
    );
    embedded = await EmbeddedDatabase.start({
      dataDir: config.embeddedDataDir,
      database: 'agentmesh',
      log: (message) => log.debug({ source: 'postgres' }, message),
    }).catch((error: unknown) => {
      if (!(error instanceof EmbeddedPostgresMissingError)) throw error;
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG: a setting is missing
    });
    log.info(`Embedded PostgreSQL listening on 127.0.0.1:${embedded.port}`);
    config = { ...config, databaseUrl: embedded.url };
  } else {
    await awaitDatabase(config.databaseUrl, {
      connectTimeoutMs: config.dbConnectTimeoutMs,
      warn: (message) => log.warn(message),
    }).catch((error: unknown) => {
      if (!(error instanceof DatabaseUnusableError)) throw error;
      log.fatal(error.message);
      process.stderr.write(`${error.message}\n`);
      process.exit(error.exitCode);
    });
  }

  try {
    const app = await createApp(config);
    installShutdown(app, config, log, embedded);
    await app.listen({ port: config.port, host: '0.0.0.0' });
    log.info(`AgentMesh listening on port ${config.port}; API docs at /docs`);
    const generated = app.get(ApiKeysService).takeGeneratedAdminKey();
    if (generated) process.stderr.write(firstStartBanner(generated, config.port));
  } catch (error) {
    log.fatal({ err: error }, 'AgentMesh failed to start');
    await embedded?.stop();
    process.exit(1);
  }
}

void main();
