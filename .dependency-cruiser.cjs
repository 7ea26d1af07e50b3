/**
 * The architecture, checked by dependency-cruiser in `npm test` (docs/architecture.md explains it).
 *
 * Layers from the bottom up; a module may import its own folder and any lower layer, never a
 * higher one. No import cycles anywhere. The pure layers (types, asm, btf, codec, spec, elf) never
 * reach the native addon. Test helpers stay out of library code.
 */
const LAYERS = [
  ['sys'],
  ['types'],
  ['asm', 'btf', 'codec', 'spec'],
  ['elf'],
  ['link'],
  ['prog'],
  ['count'],
  ['map'],
  ['events'],
  ['ringbuf', 'perf'],
  ['collection'],
  ['host'],
  ['export', 'gen'],
  ['cli'],
  ['index'],
];

const path = (name) => `^src/${name}(/|\\.ts$)`;
const forbidden = [
  {
    name: 'no-circular',
    comment: 'Import cycles make load order fragile and layers meaningless.',
    severity: 'error',
    from: {},
    to: { circular: true },
  },
  {
    name: 'pure-layers-no-addon',
    comment: 'types, asm, btf, codec, spec and elf turn bytes into data: no system calls.',
    severity: 'error',
    from: { path: '^src/(types\\.ts|asm/|btf/|codec/|spec/|elf/)', pathNot: '\\.test\\.ts$' },
    to: { path: '^src/sys/(native|syscall|fd|mmap|poller|pin|bpffs)\\.ts$' },
  },
  {
    name: 'no-testutils-in-library',
    comment: 'src/testutils is for tests only and is not shipped.',
    severity: 'error',
    from: { path: '^src/', pathNot: ['\\.test\\.ts$', '^src/testutils/', '/testdata/'] },
    to: { path: '^src/testutils/' },
  },
];
LAYERS.forEach((layer, i) => {
  const higher = LAYERS.slice(i + 1).flat();
  if (higher.length === 0) return;
  forbidden.push({
    name: `layer-${layer.join('-')}`,
    comment: `${layer.join(', ')} may not import a higher layer (${higher.join(', ')}).`,
    severity: 'error',
    from: { path: layer.map(path).join('|'), pathNot: ['\\.test\\.ts$', '/testdata/'] },
    to: { path: higher.map(path).join('|') },
  });
});

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|build|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs'] },
  },
};
