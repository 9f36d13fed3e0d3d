import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { FieldErrorDto, ProblemDto } from './common/errors/problem.dto';
import { completeDocument } from './common/openapi/document-completion';

/** OpenAPI 3 at /docs-json and Swagger UI at /docs, with both ways to present a key. */
export function setupSwagger(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('AgentMesh')
    .setDescription(
      'Control plane for fleets of AI agents: registry, task dispatch, signed webhooks and a ' +
        'hash-chained audit trail. Errors are application/problem+json (RFC 9457).',
    )
    .setVersion('1.0')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'amk_ API key', description: 'API key' },
      'bearer',
    )
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'apiKey')
    .addTag('health', 'Kubernetes probes')
    .build();
  const document = completeDocument(
    SwaggerModule.createDocument(app, config, { extraModels: [ProblemDto, FieldErrorDto] }),
  );
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: 'AgentMesh API',
  });
}
