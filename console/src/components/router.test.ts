import { describe, expect, it } from 'vitest';
import { consolePath, match } from './router';
import { withQuery } from '../api/client';
import { parseJson } from '../runs/runs-page';

describe('console routes', () => {
  it('reads the page from the address under /console', () => {
    expect(consolePath('/console')).toBe('/');
    expect(consolePath('/console/')).toBe('/');
    expect(consolePath('/console/runs/r_1')).toBe('/runs/r_1');
  });

  it('matches a deep link and decodes its parameters', () => {
    expect(match('/runs/:id', '/runs/abc%2F1')).toEqual({ id: 'abc/1' });
    expect(match('/runs/:id', '/runs')).toBeUndefined();
    expect(match('/runs/:id', '/fleet/abc')).toBeUndefined();
    expect(match('/fleet/:id', '/fleet/a?tab=card')).toEqual({ id: 'a' });
  });
});

describe('request helpers', () => {
  it('leaves empty filters out of the query', () => {
    expect(withQuery('/agents', { q: '', status: 'online', limit: 50, cursor: undefined })).toBe(
      '/agents?status=online&limit=50',
    );
    expect(withQuery('/agents', { q: '' })).toBe('/agents');
  });

  it('parses the JSON input editor, naming a syntax error', () => {
    expect(parseJson('{"a": [1, 2]}')).toEqual({ a: [1, 2] });
    expect(parseJson('  ')).toBeUndefined();
    expect(() => parseJson('{"a":')).toThrow(/not valid JSON/);
  });
});
