import { getMetadataStorage, IsInt, IsOptional, IsString, validate } from 'class-validator';
import { cacheValidationMetadata } from './metadata-cache';

class Base {
  @IsString()
  name!: string;
}

class Child extends Base {
  @IsInt()
  count!: number;

  @IsString({ groups: ['strict'] })
  @IsOptional({ groups: ['strict'] })
  label?: string;
}

const storage = getMetadataStorage();
const names = (rules: Array<{ propertyName: string; type: string }>) =>
  rules.map((rule) => `${rule.propertyName}:${rule.type}`).sort();

describe('cacheValidationMetadata', () => {
  const uncached = storage.getTargetValidationMetadatas.bind(storage);
  beforeAll(() => cacheValidationMetadata());

  it('answers what class-validator answers, inherited rules and groups included', () => {
    for (const [always, strict, groups] of [
      [false, false, undefined],
      [false, true, undefined],
      [true, false, undefined],
      [false, false, ['strict']],
    ] as Array<[boolean, boolean, string[] | undefined]>) {
      const expected = names(uncached(Child, '', always, strict, groups));
      // Twice: the second answer comes from the cache.
      expect(
        names(storage.getTargetValidationMetadatas(Child, '', always, strict, groups)),
      ).toEqual(expected);
      expect(
        names(storage.getTargetValidationMetadatas(Child, '', always, strict, groups)),
      ).toEqual(expected);
    }
    expect(names(storage.getTargetValidationMetadatas(Child, '', false, false))).toContain(
      'name:customValidation',
    );
  });

  it('serves a copy: a caller that changes its list changes no other caller', () => {
    const first = storage.getTargetValidationMetadatas(Base, '', false, false);
    first.length = 0;
    expect(storage.getTargetValidationMetadatas(Base, '', false, false)).toHaveLength(1);
  });

  it('sees a rule registered after an answer was cached', async () => {
    class Late {
      value?: unknown;
    }
    expect(storage.getTargetValidationMetadatas(Late, '', false, false)).toHaveLength(0);
    IsInt()(Late.prototype, 'value');
    expect(storage.getTargetValidationMetadatas(Late, '', false, false)).toHaveLength(1);
    const late = Object.assign(new Late(), { value: 'not a number' });
    expect(await validate(late)).toHaveLength(1);
  });

  it('is installed once however many pipes are made', () => {
    const installed = storage.getTargetValidationMetadatas;
    cacheValidationMetadata();
    expect(storage.getTargetValidationMetadatas).toBe(installed);
  });
});
