import { Global, Module } from '@nestjs/common';
import { EventDispatcher } from './event-dispatcher';
import { EventsService } from './events.service';
import { EventTypesController } from './event-types.controller';

/** The outbox every module writes its domain events to, and the dispatcher that reads it. */
@Global()
@Module({
  controllers: [EventTypesController],
  providers: [EventsService, EventDispatcher],
  exports: [EventsService, EventDispatcher],
})
export class EventsModule {}
