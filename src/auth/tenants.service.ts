import { ConflictError } from '../common/errors/domain-error';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThan, Repository } from 'typeorm';
import { decodeCursor, Page, toPage } from '../common/pagination';
import { isUniqueViolation } from '../database/database-errors';
import { AuditService } from '../audit/audit.service';
import { UnitOfWork } from '../database/unit-of-work';
import { AuthErrorCode } from './auth.errors';
import { Tenant } from './entities/tenant.entity';

export const DEFAULT_TENANT_ID = 'default';

@Injectable()
export class TenantsService {
  /** Tenant ids are never deleted, so a positive answer can be kept. */
  private readonly known = new Set<string>([DEFAULT_TENANT_ID]);

  constructor(
    @InjectRepository(Tenant) private readonly tenants: Repository<Tenant>,
    private readonly unitOfWork: UnitOfWork,
    private readonly audit: AuditService,
  ) {}

  async create(id: string, name: string): Promise<Tenant> {
    try {
      return await this.unitOfWork.run(async (tx) => {
        const tenant = tx.manager.create(Tenant, { id, name });
        await tx.manager.insert(Tenant, tenant);
        // The entry belongs to the new tenant, so its own auditors see how it came to be.
        await this.audit.record(tx, {
          action: 'tenant.create',
          resource: { type: 'tenant', id },
          after: { id, name },
          tenantId: id,
        });
        return tx.manager.findOneByOrFail(Tenant, { id });
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictError(AuthErrorCode.TenantExists, `Tenant "${id}" already exists.`);
      }
      throw error;
    }
  }

  async list(limit: number, cursor?: string): Promise<Page<Tenant>> {
    const after = decodeCursor(cursor, ['string']);
    const rows = await this.tenants.find({
      where: after ? { id: MoreThan(String(after[0])) } : {},
      order: { id: 'ASC' },
      take: limit + 1,
    });
    return toPage(rows, limit, (tenant) => [tenant.id]);
  }

  async find(id: string): Promise<Tenant | null> {
    return this.tenants.findOneBy({ id });
  }

  async exists(id: string): Promise<boolean> {
    if (this.known.has(id)) return true;
    const found = await this.tenants.existsBy({ id });
    if (found) this.known.add(id);
    return found;
  }
}
