/**
 * The layers, and the rule that keeps them: each folder is one layer and imports only from
 * layers below it (a folder on the same rank is a peer and off limits too), and no module
 * takes part in an import cycle. Run by `npm run lint` (depcruise); tests are not layered.
 *
 * The ranks, lowest first. A path matches the first pattern that fits.
 */
const LAYERS = [
  // worker/src: the engine and the two processes. Everything else stands on it.
  ['worker-base', '^worker/src/base/'],
  ['worker-contract', '^worker/src/contract/'],
  ['worker-config', '^worker/src/config/'],
  ['worker-record', '^worker/src/record/'],
  ['worker-transcode', '^worker/src/transcode/'],
  ['worker-use-cases', '^worker/src/(job|control)/'],
  ['worker-adapters', '^worker/src/(queue|storage|ledger|scheduler|events)/'],
  ['worker-wiring', '^worker/src/wiring/'],
  ['worker-entries', '^worker/src/(api|cli)/|^worker/src/[^/]+$'],
  // charts: reusable constructs, the deployment's config, what it implies, the charts, main.
  ['charts-constructs', '^charts/constructs/'],
  ['charts-config', '^charts/config/'],
  ['charts-plan', '^charts/plan/'],
  ['charts-app', '^charts/app/'],
  ['charts-entries', '^charts/[^/]+$'],
  ['charts-testing', '^charts/testing/'],
  // scripts: the local stand-ins, then the tools built on them, then the entry points.
  ['scripts-stack', '^scripts/(local-stack|build)/'],
  ['scripts-keda', '^scripts/local-keda/'],
  ['scripts-tools', '^scripts/(bench|corpus|load|image)/'],
  ['scripts-entries', '^scripts/[^/]+$'],
];

/** Folders of one rank that must not import each other. */
const PEERS = [
  ['^worker/src/job/', '^worker/src/control/'],
  ['^worker/src/control/', '^worker/src/job/'],
  ...pairs(['queue', 'storage', 'ledger', 'scheduler', 'events']).map(([a, b]) => [
    `^worker/src/${a}/`,
    `^worker/src/${b}/`,
  ]),
  ['^worker/src/api/', '^worker/src/cli/'],
  ['^worker/src/cli/', '^worker/src/api/'],
];

function pairs(names) {
  return names.flatMap((a) => names.filter((b) => b !== a).map((b) => [a, b]));
}

const upward = LAYERS.map(([name, from], rank) => ({
  name: `layer-${name}`,
  comment: `${name} may import only from the layers below it (see .dependency-cruiser.cjs)`,
  severity: 'error',
  from: { path: from, pathNot: '\\.test\\.ts$' },
  to: {
    path: LAYERS.slice(rank + 1)
      .map(([, p]) => `(${p})`)
      .join('|'),
  },
})).filter((rule) => rule.to.path !== '');

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'an import cycle: move the shared thing down a layer rather than the arrow',
      severity: 'error',
      from: { pathNot: '\\.test\\.ts$' },
      to: { circular: true },
    },
    ...upward,
    ...PEERS.map(([from, to]) => ({
      name: 'no-peer-import',
      comment: 'folders of one layer do not import each other',
      severity: 'error',
      from: { path: from, pathNot: '\\.test\\.ts$' },
      to: { path: to },
    })),
    {
      name: 'worker-stands-alone',
      comment: 'the worker is built into the image alone: it never imports the charts or scripts',
      severity: 'error',
      from: { path: '^worker/' },
      to: { path: '^(charts|scripts|test)/' },
    },
    {
      name: 'charts-see-contract-and-config',
      comment: 'the charts take the contract, the config schema and the image from the worker',
      severity: 'error',
      from: { path: '^charts/' },
      to: { path: '^worker/', pathNot: '^worker/src/(contract|config)/' },
    },
    {
      name: 'charts-no-scripts',
      severity: 'error',
      from: { path: '^charts/' },
      to: { path: '^(scripts|test)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(imports|node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
