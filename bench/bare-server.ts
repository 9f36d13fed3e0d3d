import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { InjectDataSource, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options';

/**
 * The same routes with the cross-cutting stack switched off: no guards, no rate limit, no
 * request context, no logging, no metrics, no problem filter. The baseline for the ratios.
 */
@Controller()
class BareController {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @Get('health/live')
  live() {
    return { status: 'ok' };
  }

  @Get('api/v1/api-keys')
  async apiKeys() {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT id, tenant_id, name, scopes, agent_id, prefix, expires_at, revoked_at, rotated_to, created_at
         FROM api_keys WHERE tenant_id = 'default' ORDER BY id DESC LIMIT 51`,
    );
    return { data: { apiKeys: rows.slice(0, 50) }, meta: { nextCursor: null } };
  }
}

@Module({
  imports: [
    TypeOrmModule.forRoot(
      dataSourceOptions({
        url: process.env.DATABASE_URL!,
        poolSize: 20,
        statementTimeoutMs: 5_000,
        connectTimeoutMs: 2_000,
      }),
    ),
  ],
  controllers: [BareController],
})
class BareModule {}

async function main() {
  const app = await NestFactory.create<NestFastifyApplication>(BareModule, new FastifyAdapter(), {
    logger: false,
  });
  await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

void main();
