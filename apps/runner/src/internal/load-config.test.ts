import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError, isResource } from '@hotdata-dlt/core';
import { describe, expect, it } from 'vitest';
import { useProjects } from '../../test/helpers.ts';
import { findConfigFile, loadConfigFile } from './load-config.ts';

const project = useProjects();

describe('findConfigFile', () => {
  it('finds the config in the working directory or a parent, and checks an explicit path', () => {
    const dir = project({ 'hotdata-dlt.config.ts': 'export default { pipelines: [] };' });
    mkdirSync(join(dir, 'src', 'deep'), { recursive: true });
    expect(findConfigFile(join(dir, 'src', 'deep'))).toBe(join(dir, 'hotdata-dlt.config.ts'));
    expect(findConfigFile(dir, 'hotdata-dlt.config.ts')).toBe(join(dir, 'hotdata-dlt.config.ts'));
    expect(() => findConfigFile(dir, 'other.config.ts')).toThrow(
      /other\.config\.ts does not exist; check --config/,
    );
  });
});

describe('loadConfigFile', () => {
  it('loads a TypeScript config that imports the workspace packages', async () => {
    const dir = project({
      'hotdata-dlt.config.ts': `
        import { resource } from '@hotdata-dlt/core';
        import { defineConfig, type PipelineDefinition } from '@hotdata-dlt/runner';
        const items: PipelineDefinition = { name: 'items', resources: [resource([{ id: 1 }], { name: 'items' })] };
        export default defineConfig({ pipelines: [items] });
      `,
    });
    const resolved = await loadConfigFile(join(dir, 'hotdata-dlt.config.ts'));
    expect(resolved.pipelines.map((item) => item.name)).toEqual(['items']);
    const resources = resolved.pipelines[0]!.definition.resources as unknown[];
    expect(isResource(resources[0])).toBe(true);
  });

  it('falls back to jiti for TypeScript that Node cannot strip (an enum)', async () => {
    const dir = project({
      'hotdata-dlt.config.ts': `
        import { defineConfig } from '@hotdata-dlt/runner';
        enum Every { hour = '0 * * * *' }
        export default defineConfig({ pipelines: [{ name: 'hourly', source: 'fred', schedule: Every.hour }] });
      `,
    });
    const resolved = await loadConfigFile(join(dir, 'hotdata-dlt.config.ts'));
    expect(resolved.pipelines[0]!.definition.schedule).toBe('0 * * * *');
  });

  it('turns a broken file into a ConfigurationError naming it', async () => {
    const dir = project({ 'hotdata-dlt.config.ts': 'export default defineConfig({ pipelines: [] });' });
    const path = join(dir, 'hotdata-dlt.config.ts');
    const error = await loadConfigFile(path).catch((caught: unknown) => caught);
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(`Loading ${path} failed: defineConfig is not defined`);
  });
});
