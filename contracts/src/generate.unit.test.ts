import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatedDir, generatedDocuments } from './generate';

describe('generated contract documents', () => {
  it('are up to date with the zod contracts (run `pnpm --filter @ar/contracts generate`)', () => {
    for (const [path, content] of generatedDocuments()) {
      const file = join(generatedDir, path);
      expect({ path, exists: existsSync(file) }).toEqual({ path, exists: true });
      expect({ path, content: readFileSync(file, 'utf8') }).toEqual({ path, content });
    }
  });
});
